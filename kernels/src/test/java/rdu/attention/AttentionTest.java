package rdu.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import rdu.activation.SoftCap;
import rdu.activation.Softmax;
import rdu.simd.Simd;
import rdu.tensor.TestTensors;

class AttentionTest {

    @Test
    void matchesDoubleReferenceWithGroupedHeads() {
        Random random = new Random(11);
        int[][] configs = {{8, 4, 8}, {6, 2, 7}, {4, 4, 33}, {2, 1, 67}};
        for (int[] config : configs) { // heads, KV heads, head dim
            KvCache cache = new KvCache(2, 40, config[1] * config[2]);
            float[][] keys = new float[40][];
            float[][] values = new float[40][];
            fill(random, cache, 1, keys, values, 1);
            assertMatchesReference(random, cache, 1, keys, values, new int[] {0, 1, 17, 39}, config,
                    Scores.standard(config[2]), Arrays.toString(config));
        }
    }

    /** Random keys (times {@code keyScale}) and values for every position of {@code layer}, stored in the cache. */
    private static void fill(Random random, KvCache cache, int layer, float[][] keys, float[][] values,
            float keyScale) {
        for (int t = 0; t < keys.length; t++) {
            keys[t] = TestTensors.randomFloats(random, cache.kvDim());
            for (int i = 0; i < keys[t].length; i++) {
                keys[t][i] *= keyScale;
            }
            values[t] = TestTensors.randomFloats(random, cache.kvDim());
            cache.store(layer, t, keys[t], values[t]);
        }
    }

    /** Attention of a random query at each of {@code positions} matches the reference; shape: heads, KV heads, dim. */
    private static void assertMatchesReference(Random random, KvCache cache, int layer, float[][] keys,
            float[][] values, int[] positions, int[] shape, Scores scores, String what) {
        int heads = shape[0];
        int kvHeads = shape[1];
        int headDim = shape[2];
        for (int pos : positions) {
            float[] q = TestTensors.randomFloats(random, heads * headDim);
            float[] out = new float[heads * headDim];
            Attention.apply(out, q, cache, layer, pos, heads, kvHeads, headDim, scores);
            double[] expected = reference(q, keys, values, pos, heads, kvHeads, headDim, scores);
            for (int i = 0; i < out.length; i++) {
                assertEquals(expected[i], out[i], 1e-5 * (1 + Math.abs(expected[i])),
                        what + " " + scores + " pos " + pos + " element " + i);
            }
        }
    }

    @Test
    void equalsTheOneDotAndOneAddAtATimeOrderBitForBit() {
        // what run.c's loops compute, with Simd.dot's order for each score: scores run a vector's width of positions
        // at once from position-minor keys and the weighted sum keeps its columns in registers, and neither may
        // change a bit. 83 columns: whole four-vector groups, single vectors and a scalar tail at every vector width;
        // 7: under one vector. 38 positions: whole vectors of positions and a partial last one; a window of 27 starts
        // at position 11, inside a vector of positions at every width. 198 positions of 83 columns: enough cached
        // values that the heads are split between the cores.
        Random random = new Random(17);
        for (int positions : new int[] {40, 200}) {
            for (int headDim : new int[] {83, 7}) {
                for (int window : new int[] {0, 27}) {
                    int heads = 4;
                    int kvHeads = 2;
                    KvCache cache = new KvCache(1, positions, kvHeads * headDim);
                    float[][] keys = new float[positions][];
                    float[][] values = new float[positions][];
                    fill(random, cache, 0, keys, values, 1);
                    int pos = positions - 3;
                    Scores scores = new Scores(3, 2, window);
                    float[] q = TestTensors.randomFloats(random, heads * headDim);
                    float[] out = TestTensors.randomFloats(random, heads * headDim); // overwritten, not added to
                    Attention.apply(out, q, cache, 0, pos, heads, kvHeads, headDim, scores);

                    float[] expected = new float[heads * headDim];
                    int start = scores.first(pos);
                    for (int h = 0; h < heads; h++) {
                        int kvo = h / (heads / kvHeads) * headDim;
                        float[] att = new float[pos + 1 - start];
                        for (int t = start; t <= pos; t++) {
                            att[t - start] = SoftCap.apply(Simd.dot(q, h * headDim, keys[t], kvo, headDim)
                                    / scores.divisor(), scores.softCap());
                        }
                        Softmax.apply(att, 0, att.length);
                        for (int t = start; t <= pos; t++) {
                            for (int i = 0; i < headDim; i++) {
                                expected[h * headDim + i] += att[t - start] * values[t][kvo + i];
                            }
                        }
                    }
                    // float arrays compare bit for bit
                    assertArrayEquals(expected, out, pos + 1 + " positions, head dim " + headDim + ", window " + window);
                }
            }
        }
    }

    @Test
    void aPassOfQueriesEqualsOneQueryAtATimeBitForBit() {
        // 40 queries x 4 heads from position 23 on: without a window the pass takes the parallel path; a window of 9
        // keeps it on the calling thread
        Random random = new Random(19);
        int heads = 4;
        int kvHeads = 2;
        int headDim = 33;
        KvCache cache = new KvCache(1, 80, kvHeads * headDim);
        fill(random, cache, 0, new float[80][], new float[80][], 1);
        for (Scores scores : new Scores[] {Scores.standard(headDim), new Scores(3, 2, 9)}) {
            int n = 40;
            int firstPos = 23;
            float[][] q = new float[n][];
            float[][] pass = new float[n][heads * headDim];
            for (int i = 0; i < n; i++) {
                q[i] = TestTensors.randomFloats(random, heads * headDim);
            }
            Attention.apply(pass, q, n, cache, 0, firstPos, heads, kvHeads, headDim, scores);
            for (int i = 0; i < n; i++) {
                float[] single = new float[heads * headDim];
                Attention.apply(single, q[i], cache, 0, firstPos + i, heads, kvHeads, headDim, scores);
                assertArrayEquals(single, pass[i], scores + " query " + i);
            }
        }
    }

    /** Scores divided, then capped, over the window's positions: the definition, in double. */
    private static double[] reference(float[] q, float[][] keys, float[][] values, int pos, int heads, int kvHeads,
            int headDim, Scores scores) {
        double[] out = new double[heads * headDim];
        int first = scores.window() == 0 ? 0 : Math.max(0, pos - scores.window() + 1);
        for (int h = 0; h < heads; h++) {
            int kvo = h / (heads / kvHeads) * headDim;
            double[] score = new double[pos + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = first; t <= pos; t++) {
                for (int i = 0; i < headDim; i++) {
                    score[t] += (double) q[h * headDim + i] * keys[t][kvo + i];
                }
                score[t] /= scores.divisor();
                if (scores.softCap() > 0) {
                    score[t] = scores.softCap() * Math.tanh(score[t] / scores.softCap());
                }
                max = Math.max(max, score[t]);
            }
            double sum = 0;
            for (int t = first; t <= pos; t++) {
                score[t] = Math.exp(score[t] - max);
                sum += score[t];
            }
            for (int t = first; t <= pos; t++) {
                for (int i = 0; i < headDim; i++) {
                    out[h * headDim + i] += score[t] / sum * values[t][kvo + i];
                }
            }
        }
        return out;
    }

    @Test
    void aSlidingWindowReadsOnlyItsPositionsAndScoresMayBeScaledAndCapped() {
        Random random = new Random(13);
        int heads = 4;
        int kvHeads = 2;
        int headDim = 8;
        int kvDim = kvHeads * headDim;
        KvCache cache = new KvCache(1, 20, kvDim);
        float[][] keys = new float[20][];
        float[][] values = new float[20][];
        fill(random, cache, 0, keys, values, 6); // large scores, so that a cap of 2 binds
        for (Scores scores : new Scores[] {new Scores(4, 0, 5), new Scores(2.5f, 2, 0), new Scores(3, 2, 1)}) {
            assertMatchesReference(random, cache, 0, keys, values, new int[] {0, 3, 4, 19},
                    new int[] {heads, kvHeads, headDim}, scores, "window and cap");
        }
        // positions before the window are not read: poisoning them changes nothing
        float[] q = TestTensors.randomFloats(random, heads * headDim);
        float[] before = new float[heads * headDim];
        Attention.apply(before, q, cache, 0, 19, heads, kvHeads, headDim, new Scores(4, 0, 5));
        float[] nan = new float[kvDim];
        Arrays.fill(nan, Float.NaN);
        cache.store(0, 14, nan, nan);
        float[] after = new float[heads * headDim];
        Attention.apply(after, q, cache, 0, 19, heads, kvHeads, headDim, new Scores(4, 0, 5));
        assertArrayEquals(before, after);
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
        Attention.apply(before, q, cache, 0, 2, 2, 1, 4, Scores.standard(4));
        float[] nan = new float[4];
        Arrays.fill(nan, Float.NaN);
        cache.store(0, 3, nan, nan);
        cache.store(1, 2, nan, nan);
        float[] after = new float[8];
        Attention.apply(after, q, cache, 0, 2, 2, 1, 4, Scores.standard(4));
        assertArrayEquals(before, after);
    }

    @Test
    void badShapesAreRejected() {
        KvCache cache = new KvCache(1, 4, 8);
        float[] q = new float[16];
        float[] out = new float[16];
        Scores scores = Scores.standard(4);
        assertThrows(IllegalArgumentException.class, () -> Attention.apply(out, q, cache, 0, 0, 3, 2, 4, scores));
        assertThrows(IllegalArgumentException.class, () -> Attention.apply(out, q, cache, 0, 0, 4, 2, 3, scores));
        assertThrows(IllegalArgumentException.class, () -> Attention.apply(out, q, cache, 0, 4, 4, 2, 4, scores));
        assertThrows(IllegalArgumentException.class, () -> Attention.apply(out, q, cache, 1, 0, 4, 2, 4, scores));
        assertThrows(IllegalArgumentException.class,
                () -> Attention.apply(new float[15], q, cache, 0, 0, 4, 2, 4, scores));
    }

    @Test
    void cacheValidatesStores() {
        KvCache cache = new KvCache(2, 4, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cache.store(0, 4, new float[8], new float[8]));
        assertTrue(e.getMessage().contains("position 4 outside [0, 4)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cache.store(2, 0, new float[8], new float[8]));
        assertThrows(IllegalArgumentException.class, () -> cache.store(0, 0, new float[7], new float[8]));
        // a page over the largest array
        assertThrows(IllegalArgumentException.class,
                () -> new KvCache(1, 4, Integer.MAX_VALUE / KvCache.PAGE_POSITIONS + 1));
        assertThrows(IllegalArgumentException.class, () -> new KvCache(0, 4, 8));
    }
}
