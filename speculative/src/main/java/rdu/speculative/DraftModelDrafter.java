package rdu.speculative;

import java.util.Arrays;
import java.util.random.RandomGenerator;

import rdu.sampling.Argmax;

/**
 * Draft-model speculation: a small model sharing the target's tokenizer decodes k steps ahead. Its KV cache
 * holds the tokens it was last fed; before drafting it rolls back to where they still agree with the context
 * (tokens the target rejected are forgotten) and catches up on what the target committed since.
 */
public final class DraftModelDrafter implements Drafter {

    private final LanguageModel draft;
    private final float temperature;
    private final RandomGenerator random;
    /** The tokens in the draft's KV cache, position by position. */
    private int[] fed = new int[0];

    /**
     * @param temperature 0 drafts greedily (each token a point mass); above 0 the draft samples from its
     *     softmax at that temperature, which stochastic verification needs to accept more than the argmax
     * @param random the draft's coin; unused when greedy
     */
    public DraftModelDrafter(LanguageModel draft, float temperature, RandomGenerator random) {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("draft model: temperature must be finite and >= 0, found "
                    + temperature);
        }
        this.draft = draft;
        this.temperature = temperature;
        this.random = random;
    }

    @Override
    public Draft propose(int[] context, int length, int k) {
        // The last drafted token is never fed, so k tokens need positions up to length + k - 2 in the cache.
        k = Math.min(k, draft.contextLength() - length + 1);
        if (k <= 0) {
            return Draft.pointMasses(new int[0], draft.vocabSize());
        }
        int agree = Arrays.mismatch(fed, 0, fed.length, context, 0, length);
        if (agree < 0) {
            agree = fed.length;
        }
        // Feed at least the last context token again: its logits are what the first draft token comes from.
        int keep = Math.min(agree, length - 1);
        draft.rollback(keep);
        float[][] logits = draft.forward(Arrays.copyOfRange(context, keep, length), keep);
        int[] cached = Arrays.copyOf(context, length + k - 1);
        float[] next = logits[logits.length - 1];
        int[] tokens = new int[k];
        float[][] probabilities = new float[k][];
        for (int i = 0; i < k; i++) {
            probabilities[i] = distribution(next);
            tokens[i] = temperature == 0 ? Argmax.of(next) : Distributions.sample(probabilities[i], random);
            if (i < k - 1) {
                cached[length + i] = tokens[i];
                next = draft.forward(new int[] {tokens[i]}, length + i)[0];
            }
        }
        fed = cached;
        return new Draft(tokens, probabilities);
    }

    /** What the draft token is drawn from: a point mass on the argmax when greedy, else the softmax. */
    private float[] distribution(float[] logits) {
        if (temperature == 0) {
            float[] q = new float[logits.length];
            q[Argmax.of(logits)] = 1.0f;
            return q;
        }
        return Distributions.softmax(logits, temperature);
    }
}
