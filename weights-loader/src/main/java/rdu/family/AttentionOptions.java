package rdu.family;

import java.util.List;

/**
 * The choices a family makes in its attention block.
 *
 * @param qkvBias        whether q, k and v have biases (Qwen2, Phi, GPT-2, StarCoder2)
 * @param oBias          whether the output projection has one
 * @param windows        each layer's sliding window in positions (0: attends to every position); empty when no
 *                       layer has one
 * @param softCap        attention scores soft-capped to (-cap, cap) before the softmax (Gemma 2); 0 for none
 * @param queryScalar    scores are divided by sqrt(queryScalar) (Gemma 2's query_pre_attn_scalar); 0: by
 *                       sqrt(head_dim)
 * @param rotaryFraction the fraction of each head RoPE rotates (Phi's partial_rotary_factor); 1 for whole heads
 */
public record AttentionOptions(boolean qkvBias, boolean oBias, List<Integer> windows, float softCap,
                               float queryScalar, double rotaryFraction) {

    /** Llama's: no biases, no window, scores over sqrt(head_dim), whole heads rotated. */
    public static final AttentionOptions LLAMA = new AttentionOptions(false, false, List.of(), 0, 0, 1);

    public AttentionOptions {
        windows = List.copyOf(windows);
    }

    public AttentionOptions withQkvBias(boolean qkvBias) {
        return new AttentionOptions(qkvBias, oBias, windows, softCap, queryScalar, rotaryFraction);
    }

    public AttentionOptions withOBias(boolean oBias) {
        return new AttentionOptions(qkvBias, oBias, windows, softCap, queryScalar, rotaryFraction);
    }

    public AttentionOptions withWindows(List<Integer> windows) {
        return new AttentionOptions(qkvBias, oBias, windows, softCap, queryScalar, rotaryFraction);
    }

    public AttentionOptions withSoftCap(float softCap) {
        return new AttentionOptions(qkvBias, oBias, windows, softCap, queryScalar, rotaryFraction);
    }

    public AttentionOptions withQueryScalar(float queryScalar) {
        return new AttentionOptions(qkvBias, oBias, windows, softCap, queryScalar, rotaryFraction);
    }

    public AttentionOptions withRotaryFraction(double rotaryFraction) {
        return new AttentionOptions(qkvBias, oBias, windows, softCap, queryScalar, rotaryFraction);
    }

    /** Layer {@code layer}'s sliding window, 0 when it attends to every position. */
    public int window(int layer) {
        return windows.isEmpty() ? 0 : windows.get(layer);
    }
}
