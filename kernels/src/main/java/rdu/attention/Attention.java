package rdu.attention;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;

import rdu.activation.SoftCap;
import rdu.activation.Softmax;
import rdu.parallel.HostPool;
import rdu.simd.Simd;

/**
 * Grouped-query attention of one token over the cached positions, as llama2.c run.c computes it, with the score rules
 * of the other families ({@link Scores}: another scale, soft-capping, a sliding window).
 */
public final class Attention {

    /** Below this many cached values read per call, the heads run on the calling thread: the pool costs more. */
    static final long PARALLEL_ELEMENTS = 1 << 16;

    private Attention() {
    }

    /**
     * out (heads * headDim) = attention of q (heads * headDim) at position pos over cache positions
     * scores.first(pos)..pos of layer: positions before a sliding window are not read. Query head h reads kv head
     * h / (heads / kvHeads).
     */
    public static void apply(float[] out, float[] q, KvCache cache, int layer, int pos, int heads, int kvHeads,
            int headDim, Scores scores) {
        cache.checkPosition(layer, pos);
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention: heads " + heads + " must be a positive multiple of kv heads " + kvHeads);
        }
        if ((long) kvHeads * headDim != cache.kvDim()) {
            throw new IllegalArgumentException("attention: kv heads " + kvHeads + " x head dim " + headDim
                    + " != cache kv dim " + cache.kvDim());
        }
        int dim = heads * headDim;
        if (q.length < dim || out.length < dim) {
            throw new IllegalArgumentException("attention: q and out need " + dim + " values, found " + q.length
                    + " and " + out.length);
        }
        float[][] keys = cache.keys(layer);
        float[][] values = cache.values(layer);
        int group = heads / kvHeads;
        float scale = scores.divisor();
        float cap = scores.softCap();
        int start = scores.first(pos);
        int length = pos + 1 - start;
        HostPool.Body body = (first, end) -> {
            float[] att = new float[length];
            float[] lanes = Simd.lanes(1);
            for (int h = first; h < end; h++) {
                int qo = h * headDim;
                int kvo = (h / group) * headDim;
                for (int t = start; t <= pos; t++) {
                    float score = Simd.dot(q, qo, keys[KvCache.page(t)], cache.offset(t) + kvo, headDim, lanes) / scale;
                    att[t - start] = cap == 0 ? score : SoftCap.apply(score, cap);
                }
                Softmax.apply(att, 0, length);
                Arrays.fill(out, qo, qo + headDim, 0.0f);
                for (int t = start; t <= pos; t++) {
                    accumulate(out, qo, att[t - start], values[KvCache.page(t)], cache.offset(t) + kvo, headDim);
                }
            }
        };
        // heads are independent: split between the cores once the cache is long enough to pay for the hand-off
        if ((long) length * dim < PARALLEL_ELEMENTS) {
            body.run(0, heads);
        } else {
            HostPool.parallelFor(heads, body);
        }
    }

    /** out[o + i] += a * v[vo + i]: multiply then add, not FMA, to round exactly like run.c. */
    private static void accumulate(float[] out, int o, float a, float[] v, int vo, int n) {
        int i = 0;
        for (int bound = Simd.FLOAT.loopBound(n); i < bound; i += Simd.FLOAT.length()) {
            FloatVector.fromArray(Simd.FLOAT, v, vo + i).mul(a)
                    .add(FloatVector.fromArray(Simd.FLOAT, out, o + i))
                    .intoArray(out, o + i);
        }
        for (; i < n; i++) {
            out[o + i] += a * v[vo + i];
        }
    }
}
