package rdu.speculative;

import java.util.Arrays;

/**
 * Tokens a drafter proposes to follow the context, with the distribution each was drawn from. Stochastic
 * verification needs those distributions q to accept a token with probability min(1, p/q); a deterministic
 * proposal (greedy draft, prompt lookup) is a point mass on its token.
 *
 * @param tokens the proposed tokens, in order; may be empty
 * @param probabilities probabilities[i] is the vocabulary-sized distribution tokens[i] was drawn from
 */
public record Draft(int[] tokens, float[][] probabilities) {

    public Draft {
        if (tokens.length != probabilities.length) {
            throw new IllegalArgumentException("draft: " + tokens.length + " tokens but " + probabilities.length
                    + " distributions (expected one per token)");
        }
    }

    /** A deterministic proposal: each token drawn with probability 1. */
    public static Draft pointMasses(int[] tokens, int vocabSize) {
        float[][] probabilities = new float[tokens.length][vocabSize];
        for (int i = 0; i < tokens.length; i++) {
            probabilities[i][tokens[i]] = 1.0f;
        }
        return new Draft(tokens, probabilities);
    }

    public int size() {
        return tokens.length;
    }

    /** The first n proposed tokens: a draft cut at the context's end or after a stop token. */
    public Draft firstTokens(int n) {
        if (n >= tokens.length) {
            return this;
        }
        return new Draft(Arrays.copyOf(tokens, n), Arrays.copyOf(probabilities, n));
    }
}
