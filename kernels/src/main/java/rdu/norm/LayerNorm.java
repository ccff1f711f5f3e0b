package rdu.norm;

import jdk.incubator.vector.FloatVector;

import rdu.simd.Simd;
import rdu.tensor.Tensor;

/** Layer normalisation with a learned scale and bias (GPT-2, Phi, StarCoder2), as torch.nn.LayerNorm computes it. */
public final class LayerNorm {

    private LayerNorm() {
    }

    /**
     * out[j] = (x[j] - mean(x)) / sqrt(var(x) + eps) * weight[j] + bias[j], the variance the biased one (divided by
     * n). out may be x. weight and bias are [n] of F32, BF16 or F16, n = x.length.
     */
    public static void apply(float[] out, float[] x, Tensor weight, Tensor bias, float eps) {
        int n = x.length;
        for (Tensor t : new Tensor[] {weight, bias}) {
            Simd.requireWidenable(t);
            if (t.rank() != 1 || t.dim(0) != n) {
                throw new IllegalArgumentException("layernorm " + t + ": expected shape [" + n + "] to match x");
            }
        }
        if (out.length < n) {
            throw new IllegalArgumentException("layernorm " + weight + ": out has length " + out.length
                    + ", expected >= " + n);
        }
        int step = Simd.FLOAT.length();
        int bound = Simd.FLOAT.loopBound(n);
        // two passes, mean then the squared deviations: one pass (E[x^2] - mean^2) cancels badly for large means
        FloatVector sum = FloatVector.zero(Simd.FLOAT);
        int j = 0;
        for (; j < bound; j += step) {
            sum = sum.add(FloatVector.fromArray(Simd.FLOAT, x, j));
        }
        float[] lanes = Simd.lanes(1);
        sum.intoArray(lanes, 0);
        float total = Simd.sum(lanes, 0); // in lane order: the same bits compiled or interpreted
        for (; j < n; j++) {
            total += x[j];
        }
        float mean = total / n;
        FloatVector squares = FloatVector.zero(Simd.FLOAT);
        for (j = 0; j < bound; j += step) {
            FloatVector d = FloatVector.fromArray(Simd.FLOAT, x, j).sub(mean);
            squares = d.fma(d, squares);
        }
        squares.intoArray(lanes, 0);
        float variance = Simd.sum(lanes, 0);
        for (; j < n; j++) {
            float d = x[j] - mean;
            variance += d * d;
        }
        float inv = 1.0f / (float) Math.sqrt(variance / n + eps);
        for (j = 0; j < bound; j += step) {
            FloatVector normed = FloatVector.fromArray(Simd.FLOAT, x, j).sub(mean).mul(inv);
            normed.fma(Simd.load(weight.dtype(), weight.data(), j), Simd.load(bias.dtype(), bias.data(), j))
                    .intoArray(out, j);
        }
        for (; j < n; j++) {
            out[j] = (x[j] - mean) * inv * Simd.get(weight.dtype(), weight.data(), j)
                    + Simd.get(bias.dtype(), bias.data(), j);
        }
    }
}
