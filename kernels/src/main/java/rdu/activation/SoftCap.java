package rdu.activation;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import rdu.simd.Simd;

/** Soft-capping (Gemma 2): values squashed smoothly into (-cap, cap) by cap * tanh(x / cap). */
public final class SoftCap {

    private SoftCap() {
    }

    /** x[i] = cap * tanh(x[i] / cap) for i < n; lane-wise over a vocabulary of logits. */
    public static void apply(float[] x, int n, float cap) {
        if (!(cap > 0) || Float.isInfinite(cap)) {
            throw new IllegalArgumentException("soft-cap must be positive and finite, found " + cap);
        }
        if (n < 0 || n > x.length) {
            throw new IllegalArgumentException("soft-cap over " + n + " elements of an array of " + x.length);
        }
        int i = 0;
        for (int bound = Simd.FLOAT.loopBound(n); i < bound; i += Simd.FLOAT.length()) {
            FloatVector.fromArray(Simd.FLOAT, x, i).div(cap).lanewise(VectorOperators.TANH).mul(cap).intoArray(x, i);
        }
        for (; i < n; i++) {
            x[i] = apply(x[i], cap);
        }
    }

    /** cap * tanh(x / cap). */
    public static float apply(float x, float cap) {
        return cap * (float) Math.tanh(x / cap);
    }
}
