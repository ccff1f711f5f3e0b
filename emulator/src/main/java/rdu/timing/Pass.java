package rdu.timing;

import java.util.Locale;

/**
 * One pass of a model over {@code positions} consecutive positions from {@code position}, for each sample of the
 * batch: one position for a decode or draft step, a chunk of the prompt for prefill, k + 1 for a speculative
 * verification.
 *
 * @param position the first position of the pass (0-based)
 * @param positions how many positions the pass covers, at least 1
 */
public record Pass(Phase phase, int position, int positions) {

    /** What a pass is for; it names the pass in traces. */
    public enum Phase {
        PREFILL, DECODE, DRAFT, VERIFY;

        /** The phase's name in traces: "prefill", "decode", "draft", "verify". */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Pass {
        if (phase == null) {
            throw new IllegalArgumentException("a pass needs a phase");
        }
        if (position < 0) {
            throw new IllegalArgumentException("a pass's position must be >= 0, found " + position);
        }
        if (positions < 1) {
            throw new IllegalArgumentException("a pass covers at least 1 position, found " + positions);
        }
    }
}
