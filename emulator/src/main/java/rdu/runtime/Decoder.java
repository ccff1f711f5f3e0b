package rdu.runtime;

/**
 * How a request's tokens come, step by step: run on real weights (plain or speculative), or planned from shapes and
 * an acceptance profile in a timing-only run. The {@link StepLoop} owns the request (its limits, stop tokens and
 * timing); a decoder owns its models and their KV caches.
 */
public interface Decoder {

    /**
     * Runs the step that follows {@code context[0, length)}: the passes that bring the model's KV cache up to date
     * (the whole prompt, on the first step) and whatever drafting and verification the decoder does.
     *
     * @param room the most tokens the step may commit (at least 1): what is left of the request's max tokens and of
     *             the model's context
     */
    Step next(int[] context, int length, int room);
}
