package rdu.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ExpertRoutingTest {

    static final ExpertRouting UNIFORM = ExpertRouting.UNIFORM;

    @ParameterizedTest
    @CsvSource({"8, 2, 1", "8, 2, 16", "128, 1, 16", "128, 4, 7", "256, 8, 64", "16, 16, 3"})
    void uniformIsTheClosedFormBitForBit(int experts, int topK, int batch) {
        double d = experts * (1 - Math.pow(1 - (double) topK / experts, batch));
        assertEquals(d, UNIFORM.distinctExperts(experts, topK, batch), 0.0);
        assertEquals(new ExpertLoad(d, (double) batch * topK), UNIFORM.busiestSocket(experts, topK, batch, experts),
                "tensor parallel: every token's k pairs");
    }

    @ParameterizedTest
    @CsvSource({"8, 2", "128, 1", "128, 4", "16, 16"})
    void oneTokenTouchesExactlyItsTopK(int experts, int topK) {
        assertEquals(topK, UNIFORM.distinctExperts(experts, topK, 1));
        for (double s : new double[] {0.5, 1.2, 3}) {
            assertEquals(topK, new ExpertRouting(s).distinctExperts(experts, topK, 1), 1e-9, "zipf:" + s);
        }
    }

    @ParameterizedTest
    @CsvSource({"8, 2", "128, 1", "128, 4", "60, 4"})
    void growsWithTheBatchTowardsAllExperts(int experts, int topK) {
        for (ExpertRouting routing : new ExpertRouting[] {UNIFORM, new ExpertRouting(1.2)}) {
            assertTrue(routing.distinctExperts(experts, topK, 2) > topK, "a second token can pick other experts");
            double previous = 0;
            for (int batch = 1; batch <= 100_000; batch = batch < 64 ? batch + 1 : batch * 2) {
                double d = routing.distinctExperts(experts, topK, batch);
                assertTrue(d >= previous && d <= experts, routing + " batch " + batch + ": " + d + " after "
                        + previous);
                previous = d;
            }
            assertEquals(experts, previous, 1e-6, routing + ": a large batch touches every expert");
        }
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
        double expected = UNIFORM.distinctExperts(experts, topK, batch);
        assertEquals(expected, simulated, 0.02 * expected);
    }

    @Test
    void theBusiestSocketOfAnExpertParallelSplitStreamsWholeExperts() {
        assertEquals(2.0, UNIFORM.busiestSocket(8, 2, 1, 8).experts(), "all 8 held (sliced): D(1) = 2");
        assertEquals(1.0, UNIFORM.busiestSocket(8, 2, 1, 1).experts(), "1 of 8 held: share 0.25, one whole expert");
        assertEquals(8.0, UNIFORM.busiestSocket(128, 4, 1024, 8).experts(), "a large batch touches all 8 held");
        assertEquals(Math.ceil(UNIFORM.distinctExperts(128, 4, 16) / 16),
                UNIFORM.busiestSocket(128, 4, 16, 8).experts(), "8 of 128 held: a 16th of D, rounded up");
        assertEquals(16.0 * 4 * 8 / 128, UNIFORM.busiestSocket(128, 4, 16, 8).pairs(), "an even share of the pairs");
        assertEquals(1.0, UNIFORM.busiestSocket(128, 4, 1, 8).pairs(), "a touched expert computes at least a pair");
    }

    @ParameterizedTest
    @CsvSource({"8, 2, 16", "128, 1, 16", "128, 4, 3", "256, 8, 64", "32, 32, 5"})
    void zipfApproachesUniformAsTheExponentVanishes(int experts, int topK, int batch) {
        var nearlyFlat = new ExpertRouting(1e-7);
        double[] q = nearlyFlat.inclusion(experts, topK);
        for (double p : q) {
            assertEquals((double) topK / experts, p, 1e-5, "each expert k/E of the time");
        }
        double uniform = UNIFORM.distinctExperts(experts, topK, batch);
        assertEquals(uniform, nearlyFlat.distinctExperts(experts, topK, batch), 1e-5 * uniform);
        int held = Math.max(1, experts / 16);
        assertEquals(UNIFORM.busiestSocket(experts, topK, batch, held).pairs(),
                nearlyFlat.busiestSocket(experts, topK, batch, held).pairs(), 1e-4);
    }

    /**
     * The busiest socket of an expert-parallel split under Zipf routing, by simulation: each token draws its k
     * experts one after another without replacement, each with probability proportional to 1/i^s among the experts
     * it has not drawn yet. Experts 1..held sit on the first socket.
     */
    record Simulated(double distinct, double firstSocketDistinct, double firstSocketPairs) {

        static Simulated of(double s, int experts, int topK, int batch, int held, int trials) {
            var random = new Random(7);
            double[] weight = new double[experts];
            for (int i = 0; i < experts; i++) {
                weight[i] = 1 / Math.pow(i + 1, s);
            }
            long distinct = 0;
            long firstDistinct = 0;
            long firstPairs = 0;
            for (int t = 0; t < trials; t++) {
                boolean[] hit = new boolean[experts];
                for (int b = 0; b < batch; b++) {
                    boolean[] chosen = new boolean[experts];
                    for (int pick = 0; pick < topK; pick++) {
                        double left = 0;
                        for (int i = 0; i < experts; i++) {
                            left += chosen[i] ? 0 : weight[i];
                        }
                        double u = random.nextDouble() * left;
                        int i = -1;
                        do {
                            i++;
                            u -= chosen[i] ? 0 : weight[i];
                        } while (u > 0 || chosen[i]);
                        chosen[i] = true;
                        hit[i] = true;
                        firstPairs += i < held ? 1 : 0;
                    }
                }
                for (int i = 0; i < experts; i++) {
                    distinct += hit[i] ? 1 : 0;
                    firstDistinct += hit[i] && i < held ? 1 : 0;
                }
            }
            return new Simulated((double) distinct / trials, (double) firstDistinct / trials,
                    (double) firstPairs / trials);
        }
    }

    @ParameterizedTest
    @CsvSource({"1.2, 128, 4, 16, 8", "1.0, 256, 8, 16, 16", "1.2, 32, 4, 8, 4", "2.0, 128, 1, 16, 8",
            "0.5, 8, 2, 4, 2"})
    void zipfMatchesSimulatedRoutingWithinFourPercent(double s, int experts, int topK, int batch, int held) {
        var routing = new ExpertRouting(s);
        var simulated = Simulated.of(s, experts, topK, batch, held, 3000);
        assertEquals(simulated.distinct(), routing.distinctExperts(experts, topK, batch),
                0.04 * simulated.distinct(), "distinct experts");
        ExpertLoad busiest = routing.busiestSocket(experts, topK, batch, held);
        assertEquals(simulated.firstSocketPairs(), busiest.pairs(), 0.04 * simulated.firstSocketPairs(),
                "the first socket's token-expert pairs");
        assertEquals(Math.ceil(simulated.firstSocketDistinct()), busiest.experts(),
                "the first socket's experts (" + simulated.firstSocketDistinct() + "), rounded up");
    }

    /**
     * From batch 2 (the smallest batch giving the socket at least one token-expert pair under uniform routing) to
     * batch 256, where even a skewed batch of 8 experts touches them all.
     */
    @ParameterizedTest
    @CsvSource({"8, 2, 1, 4", "8, 2, 2, 2", "128, 1, 8, 16", "128, 4, 8, 4", "256, 8, 16, 2"})
    void skewSharesExpertsButLoadsTheFirstSocketUnderExpertParallelism(int experts, int topK, int held,
                                                                       int smallBatch) {
        for (int batch : new int[] {smallBatch, 16, 256}) {
            for (double s : new double[] {0.5, 1.2, 2}) {
                var zipf = new ExpertRouting(s);
                String what = "zipf:" + s + " batch " + batch;
                double distinct = zipf.distinctExperts(experts, topK, batch);
                double even = UNIFORM.distinctExperts(experts, topK, batch);
                assertTrue(batch == 256 ? distinct <= even : distinct < even, what + ": fewer distinct experts, "
                        + distinct + " vs " + even);
                ExpertLoad skewed = zipf.busiestSocket(experts, topK, batch, held);
                ExpertLoad evenly = UNIFORM.busiestSocket(experts, topK, batch, held);
                assertTrue(skewed.pairs() > evenly.pairs(), what + ": more pairs on the first socket, " + skewed
                        + " vs " + evenly);
                assertTrue(skewed.experts() >= evenly.experts(), what + ": " + skewed + " vs " + evenly);
            }
        }
    }

    @Test
    void parsesWhatItPrints() {
        assertEquals(UNIFORM, ExpertRouting.parse("uniform"));
        assertEquals(1.2, ExpertRouting.parse("zipf:1.2").zipfExponent());
        for (ExpertRouting r : new ExpertRouting[] {UNIFORM, new ExpertRouting(1), new ExpertRouting(0.25)}) {
            assertEquals(r, ExpertRouting.parse(r.toString()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"zipf:-1", "zipf:0", "zipf:11", "zipf:abc", "zipf:", "zipf:NaN", "zipf:Infinity"})
    void rejectsABadExponentNamingTheRange(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> ExpertRouting.parse(text));
        assertEquals("expected zipf:S with S a number in (0, 10] (uniform for no skew), found \"" + text + "\"",
                e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"foo", "", "Uniform", "zipf", "zipf 1"})
    void rejectsAnUnknownRoutingNamingTheForms(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> ExpertRouting.parse(text));
        assertEquals("expected uniform or zipf:S with S in (0, 10], found \"" + text + "\"", e.getMessage());
    }

    @Test
    void rejectsImpossibleRouting() {
        assertThrows(IllegalArgumentException.class, () -> UNIFORM.distinctExperts(8, 9, 1));
        assertThrows(IllegalArgumentException.class, () -> UNIFORM.distinctExperts(8, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> UNIFORM.busiestSocket(8, 2, 1, 9));
        assertThrows(IllegalArgumentException.class, () -> new ExpertRouting(-1));
    }
}
