package rdu.sampling;

/** Greedy decoding: the index of the largest logit. */
public final class Argmax {

    private Argmax() {
    }

    /** Index of the largest value; ties go to the lowest index, like run.c's upward scan with a strict >. */
    public static int of(float[] logits) {
        if (logits.length == 0) {
            throw new IllegalArgumentException("argmax of an empty logits array");
        }
        int best = 0;
        float max = logits[0];
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > max) {
                max = logits[i];
                best = i;
            }
        }
        return best;
    }
}
