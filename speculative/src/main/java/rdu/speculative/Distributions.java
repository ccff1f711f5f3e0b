package rdu.speculative;

import java.util.random.RandomGenerator;

import rdu.activation.Softmax;

/** The two operations on token distributions that drafting and stochastic verification share. */
final class Distributions {

    private Distributions() {
    }

    /** softmax(logits / temperature) in a new array; the logits are left as they are. */
    static float[] softmax(float[] logits, float temperature) {
        float[] p = new float[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = logits[i] / temperature;
        }
        Softmax.apply(p, 0, p.length);
        return p;
    }

    /**
     * An index drawn with probability proportional to its weight. The weights need not sum to 1, so the
     * residual max(0, p - q) of a rejection is sampled without normalising it first.
     */
    static int sample(float[] weights, RandomGenerator random) {
        double total = 0;
        for (float w : weights) {
            total += w;
        }
        double coin = random.nextDouble() * total;
        double cdf = 0;
        int last = 0;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] > 0) {
                cdf += weights[i];
                last = i;
                if (coin < cdf) {
                    return i;
                }
            }
        }
        // Rounding can leave coin a hair above the sum: the last token with weight takes it.
        return last;
    }
}
