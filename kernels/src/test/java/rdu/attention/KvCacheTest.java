package rdu.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class KvCacheTest {

    /** Distinct key and value of a position, so a lost or misplaced copy shows. */
    private static float[] vector(int kvDim, int pos, float sign) {
        float[] v = new float[kvDim];
        for (int i = 0; i < kvDim; i++) {
            v[i] = sign * (pos * 1000 + i);
        }
        return v;
    }

    @Test
    void aSmallCacheHoldsEveryPositionFromTheStartSoWritingNeverCopiesIt() {
        int kvDim = 8;
        KvCache cache = new KvCache(2, 300, kvDim);
        float[] keysBefore = cache.keys(1);
        for (int pos = 0; pos < 300; pos++) {
            cache.store(1, pos, vector(kvDim, pos, 1), vector(kvDim, pos, -1));
        }
        assertTrue(keysBefore == cache.keys(1), "the layer's keys must stay in the array they started in");
        assertArrayEquals(vector(kvDim, 299, -1), Arrays.copyOfRange(cache.values(1), 299 * kvDim, 300 * kvDim));
    }

    @Test
    void aCacheTooLargeToHoldWholeGrowsWithThePositionsWrittenAndKeepsWhatWasWritten() {
        int kvDim = 4096;
        int positions = (int) (KvCache.WHOLE_BYTES / (2L * kvDim * Float.BYTES)) + 1; // one position over
        KvCache cache = new KvCache(1, positions, kvDim);
        for (int pos = 0; pos < 40; pos++) {
            cache.store(0, pos, vector(kvDim, pos, 1), vector(kvDim, pos, -1));
        }
        assertTrue(cache.keys(0).length < (long) positions * kvDim / 4,
                "40 positions written must not hold the whole context: " + cache.keys(0).length + " floats");
        for (int pos = 0; pos < 40; pos++) {
            assertArrayEquals(vector(kvDim, pos, 1),
                    Arrays.copyOfRange(cache.keys(0), pos * kvDim, (pos + 1) * kvDim), "keys of position " + pos);
            assertArrayEquals(vector(kvDim, pos, -1),
                    Arrays.copyOfRange(cache.values(0), pos * kvDim, (pos + 1) * kvDim), "values of position " + pos);
        }
        cache.store(0, positions - 1, vector(kvDim, 7, 1), vector(kvDim, 7, -1));
        assertEquals((long) positions * kvDim, cache.keys(0).length, "the last position grows it to the whole");
    }
}
