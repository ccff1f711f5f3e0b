package rdu.runtime;

import java.util.ArrayList;
import java.util.List;
import rdu.speculative.SpeculationStats;
import rdu.speculative.SpeculativeStep;
import rdu.timing.Pass;

/**
 * Speculative decoding on real weights: the first step prefills the prompt and samples the first token as plain
 * decoding does; every later step is a {@link SpeculativeStep} (draft up to k tokens, verify them in one target pass,
 * commit the accepted ones and the target's own next token).
 */
public final class SpeculativeDecoder implements Decoder {

    private final ChipModel target;
    private final ChipModel draft;
    private final PlainDecoder prefill;
    private final SpeculativeStep speculation;

    /**
     * @param draft the draft model whose passes the steps run (null when drafting needs no model: prompt lookup)
     * @param first decodes the first step (the prompt) on the target
     */
    public SpeculativeDecoder(ChipModel target, ChipModel draft, PlainDecoder first, SpeculativeStep speculation) {
        this.target = target;
        this.draft = draft;
        this.prefill = first;
        this.speculation = speculation;
    }

    @Override
    public Step next(int[] context, int length, int room) {
        if (target.cachedPositions() < length - 1) {
            return prefill.next(context, length, room);
        }
        SpeculativeStep.Commit commit = speculation.next(context, length);
        for (int i = 0; i < commit.logits().length; i++) {
            PlainDecoder.requireFinite(commit.logits()[i], length - 1 + i);
        }
        List<Pass> passes = new ArrayList<>(draft == null ? List.of() : draft.takePasses());
        passes.addAll(target.takePasses());
        return new Step(passes, commit.tokens(), commit.logits(), commit.drafted(), commit.accepted());
    }

    public SpeculationStats stats() {
        return speculation.stats();
    }
}
