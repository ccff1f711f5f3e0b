package rdu.activation;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import rdu.simd.Simd;

/** In-place softmax, as llama2.c run.c computes it. */
public final class Softmax {

    private Softmax() {
    }

    /** x[offset..offset+length) becomes exp(x - max) / sum. */
    public static void apply(float[] x, int offset, int length) {
        if (length <= 0 || offset < 0 || offset + length > x.length) {
            throw new IllegalArgumentException("softmax over [" + offset + ", " + ((long) offset + length)
                    + ") of an array of length " + x.length + " (expected a non-empty range inside it)");
        }
        int end = offset + length;
        float max = x[offset];
        int i = offset;
        int bound = offset + Simd.FLOAT.loopBound(length);
        if (bound > offset) {
            FloatVector m = FloatVector.fromArray(Simd.FLOAT, x, i);
            for (i += Simd.FLOAT.length(); i < bound; i += Simd.FLOAT.length()) {
                m = m.max(FloatVector.fromArray(Simd.FLOAT, x, i));
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < end; i++) {
            max = Math.max(max, x[i]);
        }
        // Scalar exp and a sequential sum, so the probabilities match run.c's expf loop.
        float sum = 0.0f;
        for (i = offset; i < end; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        FloatVector s = FloatVector.broadcast(Simd.FLOAT, sum);
        for (i = offset; i < bound; i += Simd.FLOAT.length()) {
            FloatVector.fromArray(Simd.FLOAT, x, i).div(s).intoArray(x, i);
        }
        for (; i < end; i++) {
            x[i] /= sum;
        }
    }
}
