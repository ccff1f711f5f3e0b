package rdu.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

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

    private static float[] keyOf(KvCache cache, int layer, int pos) {
        float[] page = cache.keys(layer)[KvCache.page(pos)];
        float[] key = new float[cache.kvDim()];
        for (int d = 0; d < key.length; d++) {
            key[d] = page[d * KvCache.PAGE_POSITIONS + KvCache.slot(pos)];
        }
        return key;
    }

    private static float[] valueOf(KvCache cache, int layer, int pos) {
        int at = cache.offset(pos);
        return Arrays.copyOfRange(cache.values(layer)[KvCache.page(pos)], at, at + cache.kvDim());
    }

    @Test
    void everyPositionWrittenReadsBackAcrossPageBoundariesAndLayers() {
        int kvDim = 8;
        int positions = 3 * KvCache.PAGE_POSITIONS + 5;
        KvCache cache = new KvCache(2, positions, kvDim);
        for (int pos = 0; pos < positions; pos++) {
            cache.store(1, pos, vector(kvDim, pos, 1), vector(kvDim, pos, -1));
            cache.store(0, pos, vector(kvDim, pos + 7, 1), vector(kvDim, pos + 7, -1));
        }
        for (int pos = 0; pos < positions; pos++) {
            assertArrayEquals(vector(kvDim, pos, 1), keyOf(cache, 1, pos), "layer 1 key of position " + pos);
            assertArrayEquals(vector(kvDim, pos, -1), valueOf(cache, 1, pos), "layer 1 value of position " + pos);
            assertArrayEquals(vector(kvDim, pos + 7, 1), keyOf(cache, 0, pos), "layer 0 key of position " + pos);
        }
    }

    @Test
    void theMemoryHeldFollowsThePositionsWrittenNotTheContext() {
        int kvDim = 16;
        KvCache cache = new KvCache(3, 100_000, kvDim);
        assertEquals(0, cache.floatsHeld(), "nothing written, nothing held");
        int written = KvCache.PAGE_POSITIONS + 1; // two pages per layer
        for (int layer = 0; layer < 3; layer++) {
            for (int pos = 0; pos < written; pos++) {
                cache.store(layer, pos, vector(kvDim, pos, 1), vector(kvDim, pos, -1));
            }
        }
        assertEquals(3L * 2 * 2 * KvCache.PAGE_POSITIONS * kvDim, cache.floatsHeld(),
                "3 layers x keys and values x 2 pages");
    }

    @Test
    void aPageStaysWhereItIsAsLaterPagesFill() {
        int kvDim = 4;
        KvCache cache = new KvCache(1, 10 * KvCache.PAGE_POSITIONS, kvDim);
        cache.store(0, 0, vector(kvDim, 0, 1), vector(kvDim, 0, -1));
        float[] first = cache.keys(0)[0];
        for (int pos = 1; pos < 10 * KvCache.PAGE_POSITIONS; pos++) {
            cache.store(0, pos, vector(kvDim, pos, 1), vector(kvDim, pos, -1));
        }
        assertSame(first, cache.keys(0)[0], "filling later pages must not move the first");
        assertArrayEquals(vector(kvDim, 0, 1), keyOf(cache, 0, 0));
    }

    @Test
    void aContextOfBillionsOfPositionsHoldsOnlyThePagesWritten() {
        int kvDim = 8;
        KvCache cache = new KvCache(1, Integer.MAX_VALUE, kvDim);
        int far = 10_000_000;
        cache.store(0, 0, vector(kvDim, 0, 1), vector(kvDim, 0, -1));
        cache.store(0, far, vector(kvDim, far, 1), vector(kvDim, far, -1));
        assertArrayEquals(vector(kvDim, 0, 1), keyOf(cache, 0, 0));
        assertArrayEquals(vector(kvDim, far, -1), valueOf(cache, 0, far));
        assertEquals(2L * 2 * KvCache.PAGE_POSITIONS * kvDim, cache.floatsHeld(), "two pages of keys and of values");
    }
}
