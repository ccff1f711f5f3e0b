package rdu.activation;

import jdk.incubator.vector.FloatVector;

import rdu.simd.Simd;

/** The residual connection: the block's output added back into the stream. */
public final class Residual {

    private Residual() {
    }

    /** x[i] += y[i]. */
    public static void add(float[] x, float[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("residual add: x has length " + x.length + ", y has " + y.length + " (expected equal)");
        }
        int i = 0;
        for (int bound = Simd.FLOAT.loopBound(x.length); i < bound; i += Simd.FLOAT.length()) {
            FloatVector.fromArray(Simd.FLOAT, x, i).add(FloatVector.fromArray(Simd.FLOAT, y, i)).intoArray(x, i);
        }
        for (; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
