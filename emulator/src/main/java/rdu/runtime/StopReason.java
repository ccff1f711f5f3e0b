package rdu.runtime;

import java.util.Locale;

/** Why generation ended. */
public enum StopReason {
    /** The requested number of tokens was generated. */
    MAX_TOKENS,
    /** The model produced one of its stop tokens (not included in the output). */
    STOP_TOKEN,
    /** The model's context (max positions) is full. */
    CONTEXT_FULL;

    /** In words, as reports print it ("stop token"). */
    public String words() {
        return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
