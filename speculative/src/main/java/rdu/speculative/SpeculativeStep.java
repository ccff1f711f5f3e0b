package rdu.speculative;

import java.util.Arrays;

/**
 * One speculative step of a request: draft up to k tokens, verify them in one target pass over the new
 * positions, roll the target's KV cache back past the rejected ones and commit the rest. The runtime loop
 * calls it once per step; the first call's pass also carries the prompt (prefill), later ones carry the last
 * committed token, which the target has not seen yet, plus the draft.
 */
public final class SpeculativeStep {

    private final LanguageModel target;
    private final Drafter drafter;
    private final Verifier verifier;
    private final int k;
    private final int maxLength;
    private final int[] stopTokens;
    private final SpeculationStats stats;

    /**
     * What a step committed.
     *
     * @param tokens   the committed tokens, 1 to k + 1
     * @param logits   logits[i] is the target's row tokens[i] was verified or chosen from (valid until the target's
     *                 next pass)
     * @param drafted  draft tokens the step verified
     * @param accepted draft tokens the target accepted
     */
    public record Commit(int[] tokens, float[][] logits, int drafted, int accepted) {
    }

    /**
     * @param k the longest draft to verify, at least 1
     * @param maxLength the request ends when the sequence holds this many tokens; at most one more than the
     *     target's context (the token chosen at the last position is never fed)
     * @param stopTokens tokens that end the request once committed (they are committed, nothing after them)
     */
    public SpeculativeStep(LanguageModel target, Drafter drafter, Verifier verifier, int k, int maxLength,
            int... stopTokens) {
        if (k < 1) {
            throw new IllegalArgumentException("speculation: k must be at least 1, found " + k);
        }
        if (maxLength > target.contextLength() + 1L) {
            throw new IllegalArgumentException("speculation: max length " + maxLength
                    + " is beyond the target's context of " + target.contextLength() + " positions + 1");
        }
        this.target = target;
        this.drafter = drafter;
        this.verifier = verifier;
        this.k = k;
        this.maxLength = maxLength;
        this.stopTokens = stopTokens.clone();
        this.stats = new SpeculationStats(k);
    }

    /**
     * The tokens this step commits after context[0, length): between 1 and k + 1, fewer only where the
     * request ends (maxLength reached or a stop token committed). The caller appends them to the context.
     * The target's cache may hold any prefix of the context (none: this step's pass carries the prompt).
     */
    public Commit next(int[] context, int length) {
        int last = (int) Math.min(maxLength - 1L, target.contextLength());
        if (length < 1 || length > last) {
            throw new IllegalArgumentException("speculation: a step needs a context of 1 to " + last
                    + " tokens, found " + length);
        }
        int cached = target.cachedPositions();
        if (cached >= length) {
            throw new IllegalStateException("speculation: the target caches " + cached + " positions of a "
                    + length + "-token context; the last token must still be fed");
        }
        // Cut the draft where the request must end anyway: no token past maxLength, no position past the
        // context, nothing after a stop.
        int room = Math.min(k, Math.min(maxLength - length - 1, target.contextLength() - length));
        Draft draft = drafter.propose(context, length, room);
        draft = draft.firstTokens(Math.min(room, firstStop(draft.tokens()) + 1));

        int[] pass = Arrays.copyOfRange(context, cached, length + draft.size());
        System.arraycopy(draft.tokens(), 0, pass, length - cached, draft.size());
        float[][] logits = target.forward(pass, cached);
        Verdict verdict = verifier.verify(Arrays.copyOfRange(logits, length - 1 - cached, logits.length), draft);

        int[] committed = Arrays.copyOf(draft.tokens(), verdict.accepted() + 1);
        committed[verdict.accepted()] = verdict.next();
        committed = Arrays.copyOf(committed, Math.min(committed.length, firstStop(committed) + 1));
        // Keep the cache of every committed token but the last; the rejected draft positions go.
        target.rollback(length + committed.length - 1);
        stats.record(draft.size(), verdict.accepted(), committed.length);
        int first = length - 1 - cached;
        return new Commit(committed, Arrays.copyOfRange(logits, first, first + committed.length), draft.size(),
                verdict.accepted());
    }

    /** Whether committing this token ends the request. */
    public boolean isStop(int token) {
        for (int stop : stopTokens) {
            if (token == stop) {
                return true;
            }
        }
        return false;
    }

    public SpeculationStats stats() {
        return stats;
    }

    /** Index of the first stop token in tokens, or tokens.length if there is none. */
    private int firstStop(int[] tokens) {
        for (int i = 0; i < tokens.length; i++) {
            if (isStop(tokens[i])) {
                return i;
            }
        }
        return tokens.length;
    }
}
