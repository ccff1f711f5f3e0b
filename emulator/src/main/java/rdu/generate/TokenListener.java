package rdu.generate;

import rdu.runtime.StepRecord;

/** Sees each generated token as it is produced. */
@FunctionalInterface
public interface TokenListener {

    /**
     * @param index  0-based index of the generated token
     * @param token  its id
     * @param logits the logits it was chosen from (valid only during the call)
     * @param text   the bytes now ready to print (never half a UTF-8 character; may be empty)
     */
    void onToken(int index, int token, float[] logits, byte[] text);

    /** The prompt is encoded and the run set up: nothing the input could make fail remains before the first step. */
    default void onStart(int[] promptIds) {
    }

    /** A step ran (the prefill, a decode or a speculative step), with its modeled time when timing is on; its tokens follow. */
    default void onStep(StepRecord step) {
    }

    /** The model chose a stop token; generation ends without emitting it. */
    default void onStopToken(int token, float[] logits) {
    }

    /** Bytes still held back when generation ends (an incomplete UTF-8 character, as is). */
    default void onEnd(byte[] heldBack) {
    }
}
