package rdu.norm;

import jdk.incubator.vector.FloatVector;

import rdu.simd.Simd;
import rdu.tensor.Tensor;

/** Root-mean-square normalisation, as llama2.c run.c computes it, or scaled by (1 + weight) as Gemma's is. */
public final class RmsNorm {

    private RmsNorm() {
    }

    /**
     * out[j] = weight[j] * (x[j] / sqrt(mean(x^2) + eps)), with run.c's operation order; with {@code onePlusWeight},
     * (1 + weight[j]) instead of weight[j] (Gemma stores the scale minus one). out may be x.
     * weight is [n] of F32, BF16 or F16, n = x.length.
     */
    public static void apply(float[] out, float[] x, Tensor weight, float eps, boolean onePlusWeight) {
        int n = x.length;
        Simd.requireWidenable(weight);
        if (weight.rank() != 1 || weight.dim(0) != n) {
            throw new IllegalArgumentException("rmsnorm weight " + weight + ": expected shape [" + n + "] to match x");
        }
        if (out.length < n) {
            throw new IllegalArgumentException("rmsnorm weight " + weight + ": out has length " + out.length + ", expected >= " + n);
        }
        float ss = Simd.dot(x, 0, x, 0, n);
        ss /= n;
        ss += eps;
        ss = 1.0f / (float) Math.sqrt(ss);
        int bound = Simd.FLOAT.loopBound(n);
        int j = 0;
        for (; j < bound; j += Simd.FLOAT.length()) {
            FloatVector w = Simd.load(weight.dtype(), weight.data(), j);
            if (onePlusWeight) {
                w = w.add(1.0f);
            }
            w.mul(FloatVector.fromArray(Simd.FLOAT, x, j).mul(ss)).intoArray(out, j);
        }
        for (; j < n; j++) {
            float w = Simd.get(weight.dtype(), weight.data(), j);
            out[j] = (onePlusWeight ? 1.0f + w : w) * (ss * x[j]);
        }
    }
}
