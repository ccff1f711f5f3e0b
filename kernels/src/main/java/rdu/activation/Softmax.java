package rdu.activation;

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
        // Scalar throughout: the exp loop is scalar anyway, so that the probabilities match run.c's expf loop, and
        // max and division give the same bits scalar or vector. The JIT sometimes left vector code here
        // unintrinsified inside attention, boxing every vector: the 110M model's decode allocated 323 KB per token
        // in about half the runs, not 127 KB.
        int end = offset + length;
        // four running maxima, not one chain of dependent ones: the largest is the same in any order
        float m0 = x[offset];
        float m1 = m0;
        float m2 = m0;
        float m3 = m0;
        int i = offset + 1;
        for (; i + 3 < end; i += 4) {
            m0 = Math.max(m0, x[i]);
            m1 = Math.max(m1, x[i + 1]);
            m2 = Math.max(m2, x[i + 2]);
            m3 = Math.max(m3, x[i + 3]);
        }
        for (; i < end; i++) {
            m0 = Math.max(m0, x[i]);
        }
        float max = Math.max(Math.max(m0, m1), Math.max(m2, m3));
        float sum = 0.0f;
        for (i = offset; i < end; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        for (i = offset; i < end; i++) {
            x[i] /= sum;
        }
    }
}
