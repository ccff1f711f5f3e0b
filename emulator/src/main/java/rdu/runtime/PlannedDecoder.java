package rdu.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import rdu.speculative.AcceptanceProfile;
import rdu.timing.Pass;

/**
 * The steps of a timing-only request, planned from shapes: the prompt's prefill in passes of at most the chunk size
 * (committing the first token), then decode steps. A plain step is one pass of one position. A speculative step
 * mirrors what real draft-model speculation runs: the draft catches up on what the target committed (the prompt on
 * the first step, then one token, or two after a fully accepted draft), drafts the rest of its d tokens one position
 * at a time, then the target verifies them in one pass of d + 1 positions; the step commits as many tokens as the
 * acceptance profile says. No token is known, so every one is {@link #UNKNOWN}.
 */
public final class PlannedDecoder implements Decoder {

    public static final int UNKNOWN = -1;

    /** Speculation with drafts of up to k tokens, committing as the profile says. */
    public record Speculation(int k, AcceptanceProfile acceptance) {
    }

    private final int chunk;
    private final int promptEnd;
    private final Speculation speculation;
    private int cached;
    /** The draft's valid cache: the positions before it hold committed tokens. */
    private int draftAgrees;
    private long speculativeSteps;

    /**
     * @param cached      positions already in the KV caches when the request starts
     * @param promptEnd   positions below it are the prompt: their passes are prefill
     * @param speculation how decode steps speculate, or null for plain one-position steps
     */
    public PlannedDecoder(int cached, int promptEnd, int chunk, Speculation speculation) {
        this.cached = cached;
        this.draftAgrees = cached;
        this.promptEnd = promptEnd;
        this.chunk = chunk;
        this.speculation = speculation;
    }

    @Override
    public Step next(int[] context, int length, int room) {
        List<Pass> passes = new ArrayList<>();
        // as many drafted tokens as fit the request and the context (room - 1 <= positions - length), as
        // SpeculativeStep cuts them
        int drafted = speculation == null || cached < length - 1 ? 0 : Math.min(speculation.k(), room - 1);
        if (drafted == 0) {
            chunks(passes, cached, length, Pass.Phase.DECODE);
            cached = length;
            return new Step(passes, new int[] {UNKNOWN}, null, 0, 0);
        }
        int keep = Math.min(draftAgrees, length - 1);
        chunks(passes, keep, length, Pass.Phase.DRAFT);
        for (int i = 1; i < drafted; i++) {
            passes.add(new Pass(Pass.Phase.DRAFT, length + i - 1, 1));
        }
        passes.add(new Pass(Pass.Phase.VERIFY, length - 1, drafted + 1));
        int committed = Math.min(speculation.acceptance().committedAt(speculativeSteps++, drafted), room);
        int accepted = Math.min(committed - 1, drafted);
        draftAgrees = length + Math.min(accepted, drafted - 1);
        cached = length + committed - 1;
        int[] tokens = new int[committed];
        Arrays.fill(tokens, UNKNOWN);
        return new Step(passes, tokens, null, drafted, accepted);
    }

    /** Passes over [from, to) of at most the chunk; a pass over prompt positions is prefill. */
    private void chunks(List<Pass> passes, int from, int to, Pass.Phase otherwise) {
        for (int at = from; at < to; at += chunk) {
            int width = Math.min(chunk, to - at);
            passes.add(new Pass(at < promptEnd && otherwise != Pass.Phase.DRAFT ? Pass.Phase.PREFILL : otherwise, at,
                    width));
        }
    }
}
