package rdu.speculative;

/**
 * The little a speculative decoder needs from a model, draft or target: one forward pass over several new
 * positions (verification is a single target pass over k + 1 positions) and a way to forget positions whose
 * tokens were rejected. The model owns its KV cache and knows how much of it is valid.
 */
public interface LanguageModel {

    /** Size of the vocabulary; draft and target must agree (and share the tokenizer). */
    int vocabSize();

    /** Positions the KV cache can hold; no pass may reach past it. */
    int contextLength();

    /**
     * Runs tokens at positions startPos, startPos + 1, ... through the model, appending them to the KV cache.
     * startPos must equal the number of positions already cached: passes are contiguous.
     *
     * @return one row of logits per token; row i scores the token that follows tokens[i]
     */
    float[][] forward(int[] tokens, int startPos);

    /** Keeps the KV cache's first length positions and forgets the rest, so the next pass starts at length. */
    void rollback(int length);

    /** Positions in the KV cache now: where the next pass starts. */
    int cachedPositions();
}
