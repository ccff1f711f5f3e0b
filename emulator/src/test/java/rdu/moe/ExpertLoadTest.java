package rdu.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExpertLoadTest {

    @ParameterizedTest
    @CsvSource({"8, 2", "128, 1", "128, 4", "16, 16"})
    void oneTokenTouchesExactlyItsTopK(int experts, int topK) {
        assertEquals(topK, ExpertLoad.distinctExperts(experts, topK, 1));
    }

    @ParameterizedTest
    @CsvSource({"8, 2", "128, 1", "128, 4", "60, 4"})
    void growsWithTheBatchTowardsAllExperts(int experts, int topK) {
        assertTrue(ExpertLoad.distinctExperts(experts, topK, 2) > topK, "a second token can pick other experts");
        double previous = 0;
        for (int batch = 1; batch <= 4096; batch++) {
            double d = ExpertLoad.distinctExperts(experts, topK, batch);
            assertTrue(d >= previous && d <= experts, "batch " + batch + ": " + d + " after " + previous);
            previous = d;
        }
        assertEquals(experts, previous, 1e-9, "a large batch touches every expert");
    }

    @ParameterizedTest
    @CsvSource({"8, 2, 4", "8, 2, 64", "128, 1, 16", "128, 4, 32", "128, 4, 256"})
    void matchesUniformRandomRoutingWithinTwoPercent(int experts, int topK, int batch) {
        var random = new SplittableRandom(42);
        int trials = 2000;
        long touched = 0;
        for (int t = 0; t < trials; t++) {
            BitSet hit = new BitSet(experts);
            for (int b = 0; b < batch; b++) {
                BitSet chosen = new BitSet(experts); // topK distinct experts, uniformly
                while (chosen.cardinality() < topK) {
                    chosen.set(random.nextInt(experts));
                }
                hit.or(chosen);
            }
            touched += hit.cardinality();
        }
        double simulated = (double) touched / trials;
        double expected = ExpertLoad.distinctExperts(experts, topK, batch);
        assertEquals(expected, simulated, 0.02 * expected);
    }

    @Test
    void theBusiestSocketOfAnExpertParallelSplitStreamsWholeExperts() {
        assertEquals(2.0, ExpertLoad.busiestSocket(8, 2, 1, 8), "all 8 held (sliced): D(1) = 2");
        assertEquals(1.0, ExpertLoad.busiestSocket(8, 2, 1, 1), "1 of 8 held: share 0.25, one whole expert");
        assertEquals(8.0, ExpertLoad.busiestSocket(128, 4, 1024, 8), "a large batch touches all 8 held");
        assertEquals(Math.ceil(ExpertLoad.distinctExperts(128, 4, 16) / 16),
                ExpertLoad.busiestSocket(128, 4, 16, 8), "8 of 128 held: a 16th of D, rounded up");
    }

    @Test
    void rejectsImpossibleRouting() {
        assertThrows(IllegalArgumentException.class, () -> ExpertLoad.distinctExperts(8, 9, 1));
        assertThrows(IllegalArgumentException.class, () -> ExpertLoad.distinctExperts(8, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> ExpertLoad.busiestSocket(8, 2, 1, 9));
    }
}
