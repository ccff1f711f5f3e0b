package rdu.sampling;

import java.util.Arrays;

import rdu.activation.Softmax;

/**
 * Picks the next token from logits the way llama2.c run.c does: greedy at temperature 0, otherwise
 * temperature, optional top-k, softmax, then top-p (nucleus) or plain multinomial sampling driven by
 * run.c's xorshift64* generator. Holds the generator state, so one sampler serves one sequence.
 */
public final class Sampler {

    private final float temperature;
    private final int topK;
    private final float topP;
    private final long seed;
    private long state;

    /**
     * @param temperature 0 for greedy, else logits are divided by it
     * @param topK keep only the topK largest logits; 0 keeps all
     * @param topP nucleus mass in (0, 1); 0 or 1 samples from the full distribution
     * @param seed the generator's start state; any value but 0, where xorshift would stay at 0 forever
     */
    public Sampler(float temperature, int topK, float topP, long seed) {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("sampler: temperature must be finite and >= 0, found " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("sampler: top-k must be >= 0 (0 = off), found " + topK);
        }
        if (!(topP >= 0 && topP <= 1)) {
            throw new IllegalArgumentException("sampler: top-p must be in [0, 1], found " + topP);
        }
        if (seed == 0) {
            throw new IllegalArgumentException("sampler: seed must be non-zero (xorshift state 0 never changes)");
        }
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.seed = seed;
        this.state = seed;
    }

    public float temperature() {
        return temperature;
    }

    public int topK() {
        return topK;
    }

    public float topP() {
        return topP;
    }

    /** The generator's start state: a speculative run seeds its own coins from it. */
    public long seed() {
        return seed;
    }

    /** The next token. Overwrites logits with the probabilities it sampled from (unless greedy). */
    public int sample(float[] logits) {
        if (logits.length == 0) {
            throw new IllegalArgumentException("sampler: empty logits array");
        }
        if (temperature == 0) {
            return Argmax.of(logits);
        }
        for (int i = 0; i < logits.length; i++) {
            logits[i] /= temperature;
        }
        if (topK > 0 && topK < logits.length) {
            keepTopK(logits, topK);
        }
        Softmax.apply(logits, 0, logits.length);
        float coin = nextFloat();
        if (topP > 0 && topP < 1) {
            return sampleTopP(logits, topP, coin);
        }
        return sampleMultinomial(logits, coin);
    }

    /** run.c random_u32: xorshift64* keeping the high 32 bits. */
    int nextInt() {
        state ^= state >>> 12;
        state ^= state << 25;
        state ^= state >>> 27;
        return (int) ((state * 0x2545F4914F6CDD1DL) >>> 32);
    }

    /** run.c random_f32: 24 random bits as a float in [0, 1). */
    float nextFloat() {
        return (nextInt() >>> 8) / 16777216.0f;
    }

    /** Sets all but the k largest logits to -inf; among equal values at the cut the lowest indices stay. */
    private static void keepTopK(float[] logits, int k) {
        float[] sorted = logits.clone();
        Arrays.sort(sorted);
        float cut = sorted[sorted.length - k];
        int above = 0;
        for (float l : logits) {
            if (l > cut) {
                above++;
            }
        }
        int tiesKept = k - above;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] == cut && tiesKept > 0) {
                tiesKept--;
            } else if (logits[i] <= cut) {
                logits[i] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** run.c sample_mult: the first index whose cumulative probability exceeds coin. */
    private static int sampleMultinomial(float[] probabilities, float coin) {
        float cdf = 0.0f;
        for (int i = 0; i < probabilities.length; i++) {
            cdf += probabilities[i];
            if (coin < cdf) {
                return i;
            }
        }
        return probabilities.length - 1;
    }

    /**
     * run.c sample_topp: drop tokens below (1 - topP) / (n - 1), which cannot be in the nucleus, sort the rest
     * by probability (descending; ties by index, where run.c's qsort leaves the order open), keep the
     * smallest prefix whose mass exceeds topP and sample within it.
     */
    private static int sampleTopP(float[] probabilities, float topP, float coin) {
        int n = probabilities.length;
        if (n == 1) {
            return 0;
        }
        float cutoff = (1.0f - topP) / (n - 1);
        Integer[] candidates = new Integer[n];
        int n0 = 0;
        for (int i = 0; i < n; i++) {
            if (probabilities[i] >= cutoff) {
                candidates[n0++] = i;
            }
        }
        if (n0 == 0) {
            // Only when topP < max probability (e.g. a flat distribution): run.c would then read before its
            // array; without the filter the nucleus is the single most likely token.
            return Argmax.of(probabilities);
        }
        Arrays.sort(candidates, 0, n0, (a, b) -> {
            int byProbability = Float.compare(probabilities[b], probabilities[a]);
            return byProbability != 0 ? byProbability : Integer.compare(a, b);
        });
        float cumulative = 0.0f;
        int last = n0 - 1;
        for (int i = 0; i < n0; i++) {
            cumulative += probabilities[candidates[i]];
            if (cumulative > topP) {
                last = i;
                break;
            }
        }
        float r = coin * cumulative;
        float cdf = 0.0f;
        for (int i = 0; i <= last; i++) {
            cdf += probabilities[candidates[i]];
            if (r < cdf) {
                return candidates[i];
            }
        }
        return candidates[last];
    }
}
