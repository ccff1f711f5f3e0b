package rdu.runtime;

/** Sees a request's steps and tokens as the {@link StepLoop} produces them. */
public interface StepListener {

    /** A step ran (and was timed, when timing is on); its tokens follow. */
    void onStep(StepRecord record);

    /**
     * A committed token that is not a stop token.
     *
     * @param index  0-based among the request's generated tokens
     * @param logits what it was chosen from (valid only during the call); null in a timing-only run
     */
    default void onToken(int index, int token, float[] logits) {
    }

    /** The model committed a stop token: the request ends without emitting it. */
    default void onStopToken(int token, float[] logits) {
    }
}
