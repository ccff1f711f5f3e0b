package rdu.generate;

import java.util.Arrays;
import rdu.runtime.ChipModel;
import rdu.runtime.GenerationException;
import rdu.runtime.PlainDecoder;
import rdu.sampling.Sampler;

/**
 * A conversation's requests on one KV cache. Each request's prompt is the whole conversation so far, and the cache
 * already holds most of it: the earlier prompts and the answers fed back. A chat template may write the history back
 * differently from the ids the model generated (an end-of-turn token after an answer, text that re-tokenises
 * differently), so the cache is rolled back to the longest common prefix of the ids it holds and the new prompt's,
 * and only the rest of the prompt is prefilled. Tokens are the same as with a fresh prefill every turn: each position's
 * logits have the same bits however the positions are grouped into passes.
 */
public final class Session {

    private final Generator generator;
    private final ChipModel model;
    /** The ids whose keys and values the cache holds, in order: as many as the model's cached positions. */
    private int[] cached = new int[0];

    Session(Generator generator, ChipModel model) {
        this.generator = generator;
        this.model = model;
    }

    /**
     * Generates from {@code promptIds}, reusing the cache for the positions it shares with them. A prompt longer than
     * the model's context is an error: the conversation has outgrown it.
     */
    public Generation generate(int[] promptIds, int maxTokens, Sampler sampler, TokenListener listener) {
        if (promptIds.length > model.contextLength()) {
            throw new GenerationException("the conversation is now " + promptIds.length + " tokens, more than the"
                    + " model's context of " + model.contextLength() + " (max_position_embeddings): start a new chat");
        }
        generator.requireRequest(promptIds, maxTokens);
        // the last prompt position is always fed: its logits choose the first token
        int common = Arrays.mismatch(cached, promptIds);
        int keep = Math.min(common < 0 ? cached.length : common, promptIds.length - 1);
        model.nextRequest(keep, promptIds.length);
        cached = new int[0]; // until the request ends, the cache holds positions of it no array records
        Generation generation = generator.run(promptIds, maxTokens, new PlainDecoder(model, sampler), listener, keep);
        int[] context = Arrays.copyOf(promptIds, promptIds.length + generation.generatedIds().length);
        System.arraycopy(generation.generatedIds(), 0, context, promptIds.length, generation.generatedIds().length);
        // the last token generated (or a stop token) was never fed
        cached = Arrays.copyOf(context, model.cachedPositions());
        return generation;
    }
}
