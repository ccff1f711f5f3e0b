package rdu.timing;

import java.util.Locale;
import rdu.moe.ChosenExperts;

/**
 * One pass of a model over {@code positions} consecutive positions from {@code position}, for each sample of the
 * batch: one position for a decode or draft step, a chunk of the prompt for prefill, k + 1 for a speculative
 * verification.
 *
 * @param position the first position of the pass (0-based)
 * @param positions how many positions the pass covers, at least 1
 * @param chosen    the experts the pass's routers chose, on a checkpoint's weights: the timing model streams those
 */
public record Pass(Phase phase, int position, int positions, ChosenExperts chosen) {

    /** What a pass is for; it names the pass in traces. */
    public enum Phase {
        PREFILL, DECODE, DRAFT, VERIFY;

        /** The phase's name in traces: "prefill", "decode", "draft", "verify". */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A pass no router chose experts in: a dense model's, or any pass of a timing-only run. */
    public Pass(Phase phase, int position, int positions) {
        this(phase, position, positions, ChosenExperts.NONE);
    }

    public Pass {
        if (phase == null || chosen == null) {
            throw new IllegalArgumentException("a pass needs a phase and its chosen experts (NONE if no router ran)");
        }
        if (position < 0) {
            throw new IllegalArgumentException("a pass's position must be >= 0, found " + position);
        }
        if (positions < 1) {
            throw new IllegalArgumentException("a pass covers at least 1 position, found " + positions);
        }
    }
}
