package rdu.runtime;

import java.util.List;
import rdu.timing.Pass;

/**
 * What one step of a request did: the model passes it ran, in order, and the tokens it committed. A plain decode
 * step is one pass of one position committing one token; the first step of a request is the prefill, its prompt in
 * passes of at most the chunk size; a speculative step is k draft passes and one verify pass committing 1 to k + 1.
 *
 * @param passes    the passes of the step, in the order they ran
 * @param committed the tokens the step committed, in order (at least one); -1 where a timing-only run does not know
 *                  them
 * @param logits    logits[i] is what committed[i] was chosen from (read-only, valid during the step's callbacks);
 *                  null in a timing-only run
 * @param drafted   draft tokens the step proposed (0 without speculation)
 * @param accepted  draft tokens the target accepted
 */
public record Step(List<Pass> passes, int[] committed, float[][] logits, int drafted, int accepted) {

    public Step {
        passes = List.copyOf(passes);
        if (passes.isEmpty() || committed.length == 0) {
            throw new IllegalArgumentException("a step runs at least one pass and commits at least one token");
        }
        if (logits != null && logits.length != committed.length) {
            throw new IllegalArgumentException("a step's logits: " + logits.length + " rows for " + committed.length
                    + " committed tokens");
        }
        if (accepted < 0 || accepted > drafted) {
            throw new IllegalArgumentException("a step accepted " + accepted + " of " + drafted + " draft tokens");
        }
    }

    /** Whether the step ran the prompt (the first step of a request that had one to run). */
    public boolean prefill() {
        return passes.getFirst().phase() == Pass.Phase.PREFILL;
    }
}
