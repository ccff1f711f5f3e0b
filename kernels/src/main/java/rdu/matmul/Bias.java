package rdu.matmul;

import jdk.incubator.vector.FloatVector;

import rdu.simd.Simd;
import rdu.tensor.Tensor;

/** A projection's bias: the b of y = W x + b, added after the product. */
public final class Bias {

    private Bias() {
    }

    /** x[i] += bias[i], bias [x.length] of F32, BF16 or F16. */
    public static void add(float[] x, Tensor bias) {
        Simd.requireWidenable(bias);
        if (bias.rank() != 1 || bias.dim(0) != x.length) {
            throw new IllegalArgumentException("bias " + bias + ": expected shape [" + x.length + "] to match x");
        }
        int n = x.length;
        int i = 0;
        for (int bound = Simd.FLOAT.loopBound(n); i < bound; i += Simd.FLOAT.length()) {
            FloatVector.fromArray(Simd.FLOAT, x, i).add(Simd.load(bias.dtype(), bias.data(), i)).intoArray(x, i);
        }
        for (; i < n; i++) {
            x[i] += Simd.get(bias.dtype(), bias.data(), i);
        }
    }
}
