package rdu.graph;

import rdu.model.ModelConfig;

/**
 * The activation buffers a decode step reads and writes, as named in llama2.c's RunState.
 * On the RDU they are PMU stage buffers between operators; on the host, float arrays.
 */
public enum Activation {
    /** The residual stream. */
    X,
    /** Normalised input of the attention or the MLP block. */
    XB,
    /** Output of o_proj and down_proj, added back into X; before o_proj, MLA's q and KV latents. */
    XB2,
    Q,
    K,
    V,
    /** Attention output, all query heads. */
    ATTN,
    /** MLP gate projection, then SwiGLU's result. */
    HB,
    /** MLP up projection. */
    HB2,
    LOGITS;

    /** Number of floats this buffer holds for one token of {@code config}. */
    public int size(ModelConfig config) {
        return switch (this) {
            case X, XB, XB2 -> config.hiddenSize();
            case Q, ATTN -> config.qDim();
            case K, V -> config.kvDim();
            case HB, HB2 -> config.intermediateSize();
            case LOGITS -> config.vocabSize();
        };
    }
}
