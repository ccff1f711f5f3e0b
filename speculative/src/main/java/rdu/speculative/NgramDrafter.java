package rdu.speculative;

import java.util.Arrays;

/**
 * Prompt-lookup drafting: text often repeats itself (code, quotes, names), so the tokens that followed the
 * most recent earlier occurrence of the context's last n tokens are a good guess, and need no second model.
 */
public final class NgramDrafter implements Drafter {

    private final int n;
    private final int vocabSize;

    /** @param n how many trailing tokens must match; at least 1 */
    public NgramDrafter(int n, int vocabSize) {
        if (n < 1) {
            throw new IllegalArgumentException("ngram drafter: n must be at least 1, found " + n);
        }
        this.n = n;
        this.vocabSize = vocabSize;
    }

    @Override
    public Draft propose(int[] context, int length, int k) {
        int tail = length - n;
        // Search backwards so the most recent match wins; start < tail keeps the tail from matching itself.
        for (int start = tail - 1; start >= 0; start--) {
            if (Arrays.equals(context, start, start + n, context, tail, length)) {
                int from = start + n;
                int to = Math.min(from + k, length);
                return Draft.pointMasses(Arrays.copyOfRange(context, from, to), vocabSize);
            }
        }
        return Draft.pointMasses(new int[0], vocabSize);
    }
}
