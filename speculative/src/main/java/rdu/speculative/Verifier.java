package rdu.speculative;

/** Decides, from one target pass over the draft, which draft tokens to keep and what comes after them. */
public interface Verifier {

    /**
     * @param logits draft.size() + 1 rows of target logits: row i scores the token at draft position i
     *     (given everything before it), the last row the token after a fully accepted draft
     */
    Verdict verify(float[][] logits, Draft draft);
}
