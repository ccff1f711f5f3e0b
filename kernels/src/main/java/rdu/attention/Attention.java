package rdu.attention;

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
        apply(new float[][] {out}, new float[][] {q}, 1, cache, layer, pos, heads, kvHeads, headDim, scores);
    }

    /**
     * The attention of n queries of a pass, q[i] at position firstPos + i into out[i], each as
     * {@link #apply(float[], float[], KvCache, int, int, int, int, int, Scores)} gives it: one hand-off to the host
     * pool for all of them, not one per position, split by heads so that both cores get every position's share.
     */
    public static void apply(float[][] out, float[][] q, int n, KvCache cache, int layer, int firstPos, int heads,
            int kvHeads, int headDim, Scores scores) {
        if (n < 1 || n > out.length || n > q.length) {
            throw new IllegalArgumentException("attention: " + n + " queries asked for, expected 1 to "
                    + Math.min(out.length, q.length));
        }
        int lastPos = firstPos + n - 1;
        cache.checkPosition(layer, firstPos);
        cache.checkPosition(layer, lastPos);
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention: heads " + heads + " must be a positive multiple of kv heads " + kvHeads);
        }
        if ((long) kvHeads * headDim != cache.kvDim()) {
            throw new IllegalArgumentException("attention: kv heads " + kvHeads + " x head dim " + headDim
                    + " != cache kv dim " + cache.kvDim());
        }
        int dim = heads * headDim;
        long cachedValues = 0;
        for (int i = 0; i < n; i++) {
            if (q[i].length < dim || out[i].length < dim) {
                throw new IllegalArgumentException("attention: q and out need " + dim + " values, found "
                        + q[i].length + " and " + out[i].length);
            }
            cachedValues += (long) (firstPos + i + 1 - scores.first(firstPos + i)) * dim;
        }
        float[][] keys = cache.keys(layer);
        float[][] values = cache.values(layer);
        int group = heads / kvHeads;
        float scale = scores.divisor();
        float cap = scores.softCap();
        int longest = lastPos + 1 - scores.first(lastPos);
        // item h * n + i is head h of query i: a contiguous range of items is whole heads of every query
        HostPool.Body body = (first, end) -> {
            float[] att = new float[longest];
            float[] lanes = Simd.lanes(1);
            for (int item = first; item < end; item++) {
                int h = item / n;
                int query = item % n;
                int pos = firstPos + query;
                int start = scores.first(pos);
                int length = pos + 1 - start;
                int qo = h * headDim;
                int kvo = (h / group) * headDim;
                scores(att, q[query], qo, keys, start, pos, kvo, headDim, lanes);
                for (int t = 0; t < length; t++) {
                    float score = att[t] / scale;
                    att[t] = cap == 0 ? score : SoftCap.apply(score, cap);
                }
                Softmax.apply(att, 0, length);
                weightedSum(out[query], qo, att, values, cache, start, pos, kvo, headDim);
            }
        };
        // heads are independent: split between the cores once the cache is long enough to pay for the hand-off
        if (cachedValues < PARALLEL_ELEMENTS) {
            body.run(0, heads * n);
        } else {
            HostPool.parallelFor(heads * n, body);
        }
    }

    /**
     * att[t - start] = q[qo...] . key_t[ko...] over headDim values, for t in [start, pos], with Simd.dot's operations
     * in Simd.dot's order for each, so the same bits. Keys are stored position-minor ({@link KvCache}), so a vector
     * holds one dimension of a vector's width of consecutive positions: each of Simd.dot's lanes j (dimensions j,
     * j + step, ...) is one FMA chain per accumulator over positions at once, the accumulators are combined as
     * Simd.dot combines them, and the lanes are summed one after the other as Simd.sum sums them, a vector add each
     * instead of a scalar add per lane and position.
     */
    private static void scores(float[] att, float[] q, int qo, float[][] keys, int start, int pos, int ko,
                               int headDim, float[] lanes) {
        int step = Simd.FLOAT.length();
        if (headDim < step) {
            // Simd.dot's loop for vectors shorter than a register: one product and add at a time
            for (int t = start; t <= pos; t++) {
                float[] page = keys[KvCache.page(t)];
                int slot = KvCache.slot(t);
                float s = 0;
                for (int d = 0; d < headDim; d++) {
                    s += q[qo + d] * page[(ko + d) * KvCache.PAGE_POSITIONS + slot];
                }
                att[t - start] = s;
            }
            return;
        }
        int unrolled = headDim - headDim % (4 * step);
        int bound = Simd.FLOAT.loopBound(headDim);
        for (int first = start - KvCache.slot(start) % step; first <= pos; first += step) {
            float[] page = keys[KvCache.page(first)];
            int at = ko * KvCache.PAGE_POSITIONS + KvCache.slot(first);
            FloatVector sum = FloatVector.zero(Simd.FLOAT);
            for (int j = 0; j < step; j++) {
                FloatVector s0 = FloatVector.zero(Simd.FLOAT);
                FloatVector s1 = s0;
                FloatVector s2 = s0;
                FloatVector s3 = s0;
                int d = j;
                for (; d < unrolled; d += 4 * step) {
                    s0 = key(page, at, d).fma(FloatVector.broadcast(Simd.FLOAT, q[qo + d]), s0);
                    s1 = key(page, at, d + step).fma(FloatVector.broadcast(Simd.FLOAT, q[qo + d + step]), s1);
                    s2 = key(page, at, d + 2 * step).fma(FloatVector.broadcast(Simd.FLOAT, q[qo + d + 2 * step]), s2);
                    s3 = key(page, at, d + 3 * step).fma(FloatVector.broadcast(Simd.FLOAT, q[qo + d + 3 * step]), s3);
                }
                for (; d < bound; d += step) {
                    s0 = key(page, at, d).fma(FloatVector.broadcast(Simd.FLOAT, q[qo + d]), s0);
                }
                sum = sum.add(s0.add(s1).add(s2.add(s3)));
            }
            for (int d = bound; d < headDim; d++) {
                sum = sum.add(key(page, at, d).mul(q[qo + d]));
            }
            if (first >= start && first + step - 1 <= pos) {
                sum.intoArray(att, first - start);
            } else {
                sum.intoArray(lanes, 0);
                for (int t = Math.max(first, start); t <= Math.min(first + step - 1, pos); t++) {
                    att[t - start] = lanes[t - first];
                }
            }
        }
    }

    /** Dimension d of a head's keys at {@code at} in a page: the positions of one vector's width. */
    private static FloatVector key(float[] page, int at, int d) {
        return FloatVector.fromArray(Simd.FLOAT, page, at + d * KvCache.PAGE_POSITIONS);
    }

    /**
     * out[o + i] = the sum over t in [start, pos] of att[t - start] * value_t[vo + i], for i < n: multiply then add, not
     * FMA, to round exactly like run.c, and t ascending from 0, as run.c's loop over positions adds into out. The
     * sums stay in registers across positions, four vectors of columns at a time, where storing and reloading
     * out for every position made each addition wait for the previous one's store.
     */
    private static void weightedSum(float[] out, int o, float[] att, float[][] values, KvCache cache, int start,
                                    int pos, int vo, int n) {
        int step = Simd.FLOAT.length();
        int i = 0;
        for (; i + 4 * step <= n; i += 4 * step) {
            FloatVector s0 = FloatVector.zero(Simd.FLOAT);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            for (int t = start; t <= pos; t++) {
                float a = att[t - start];
                float[] v = values[KvCache.page(t)];
                int at = cache.offset(t) + vo + i;
                s0 = FloatVector.fromArray(Simd.FLOAT, v, at).mul(a).add(s0);
                s1 = FloatVector.fromArray(Simd.FLOAT, v, at + step).mul(a).add(s1);
                s2 = FloatVector.fromArray(Simd.FLOAT, v, at + 2 * step).mul(a).add(s2);
                s3 = FloatVector.fromArray(Simd.FLOAT, v, at + 3 * step).mul(a).add(s3);
            }
            s0.intoArray(out, o + i);
            s1.intoArray(out, o + i + step);
            s2.intoArray(out, o + i + 2 * step);
            s3.intoArray(out, o + i + 3 * step);
        }
        for (; i + step <= n; i += step) {
            FloatVector sum = FloatVector.zero(Simd.FLOAT);
            for (int t = start; t <= pos; t++) {
                sum = FloatVector.fromArray(Simd.FLOAT, values[KvCache.page(t)], cache.offset(t) + vo + i)
                        .mul(att[t - start]).add(sum);
            }
            sum.intoArray(out, o + i);
        }
        for (; i < n; i++) {
            float sum = 0.0f;
            for (int t = start; t <= pos; t++) {
                sum += att[t - start] * values[KvCache.page(t)][cache.offset(t) + vo + i];
            }
            out[o + i] = sum;
        }
    }
}
