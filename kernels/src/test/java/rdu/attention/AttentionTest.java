package rdu.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import rdu.tensor.TestTensors;

class AttentionTest {

    @Test
    void matchesDoubleReferenceWithGroupedHeads() {
        Random random = new Random(11);
        int[][] configs = {{8, 4, 8}, {6, 2, 7}, {4, 4, 33}, {2, 1, 67}};
        for (int[] config : configs) {
            int heads = config[0];
            int kvHeads = config[1];
            int headDim = config[2];
            int kvDim = kvHeads * headDim;
            KvCache cache = new KvCache(2, 40, kvDim);
            float[][] keys = new float[40][];
            float[][] values = new float[40][];
            for (int t = 0; t < 40; t++) {
                keys[t] = TestTensors.randomFloats(random, kvDim);
                values[t] = TestTensors.randomFloats(random, kvDim);
                cache.store(1, t, keys[t], values[t]);
            }
            for (int pos : new int[] {0, 1, 17, 39}) {
                float[] q = TestTensors.randomFloats(random, heads * headDim);
                float[] out = new float[heads * headDim];
                Attention.apply(out, q, cache, 1, pos, heads, kvHeads, headDim);
                double[] expected = reference(q, keys, values, pos, heads, kvHeads, headDim);
                for (int i = 0; i < out.length; i++) {
                    assertEquals(expected[i], out[i], 1e-5 * (1 + Math.abs(expected[i])),
                            Arrays.toString(config) + " pos " + pos + " element " + i);
                }
            }
        }
    }

    private static double[] reference(float[] q, float[][] keys, float[][] values, int pos, int heads, int kvHeads,
            int headDim) {
        double[] out = new double[heads * headDim];
        for (int h = 0; h < heads; h++) {
            int kvo = h / (heads / kvHeads) * headDim;
            double[] score = new double[pos + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t <= pos; t++) {
                for (int i = 0; i < headDim; i++) {
                    score[t] += (double) q[h * headDim + i] * keys[t][kvo + i];
                }
                score[t] /= Math.sqrt(headDim);
                max = Math.max(max, score[t]);
            }
            double sum = 0;
            for (int t = 0; t <= pos; t++) {
                score[t] = Math.exp(score[t] - max);
                sum += score[t];
            }
            for (int t = 0; t <= pos; t++) {
                for (int i = 0; i < headDim; i++) {
                    out[h * headDim + i] += score[t] / sum * values[t][kvo + i];
                }
            }
        }
        return out;
    }

    @Test
    void ignoresPositionsAfterPosAndOtherLayers() {
        Random random = new Random(12);
        KvCache cache = new KvCache(2, 8, 4);
        for (int t = 0; t < 3; t++) {
            cache.store(0, t, TestTensors.randomFloats(random, 4), TestTensors.randomFloats(random, 4));
        }
        float[] q = TestTensors.randomFloats(random, 8);
        float[] before = new float[8];
        Attention.apply(before, q, cache, 0, 2, 2, 1, 4);
        float[] nan = new float[4];
        Arrays.fill(nan, Float.NaN);
        cache.store(0, 3, nan, nan);
        cache.store(1, 2, nan, nan);
        float[] after = new float[8];
        Attention.apply(after, q, cache, 0, 2, 2, 1, 4);
        assertArrayEquals(before, after);
    }

    @Test
    void badShapesAreRejected() {
        KvCache cache = new KvCache(1, 4, 8);
        float[] q = new float[16];
        float[] out = new float[16];
        assertThrows(IllegalArgumentException.class, () -> Attention.apply(out, q, cache, 0, 0, 3, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> Attention.apply(out, q, cache, 0, 0, 4, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Attention.apply(out, q, cache, 0, 4, 4, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> Attention.apply(out, q, cache, 1, 0, 4, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> Attention.apply(new float[15], q, cache, 0, 0, 4, 2, 4));
    }

    @Test
    void cacheValidatesStores() {
        KvCache cache = new KvCache(2, 4, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cache.store(0, 4, new float[8], new float[8]));
        assertTrue(e.getMessage().contains("position 4 outside [0, 4)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cache.store(2, 0, new float[8], new float[8]));
        assertThrows(IllegalArgumentException.class, () -> cache.store(0, 0, new float[7], new float[8]));
        assertThrows(IllegalArgumentException.class, () -> new KvCache(1, 1 << 20, 1 << 12));
        assertThrows(IllegalArgumentException.class, () -> new KvCache(0, 4, 8));
    }
}
