package rdu.family;

import rdu.activation.ActivationFunction;
import rdu.attention.Scores;

/**
 * How a decoder family computes, as choices among pieces every family shares. A layer is a norm, attention, and a
 * norm and a feed-forward block, each with a residual add; the choices are which norm, which activation, which
 * feed-forward block, which biases, how attention scores and positions work, and where the checkpoint keeps each
 * tensor ({@link WeightNames}). {@link #LLAMA} is Llama's; each family file (e.g. {@link Llama}) reads its config.json
 * into Llama's choices with its own differences. The rotary base and scaling are the config's
 * ({@link rdu.model.ModelConfig#ropeTheta}).
 *
 * @param norm           every norm of the model: attention, feed-forward, final, and post-norms
 * @param activation     the feed-forward block's nonlinearity
 * @param mlp            gated (gate and up, then down) or plain (up, activation, down)
 * @param mlpBias        whether the feed-forward projections have biases
 * @param moe            the sparse Mixture-of-Experts block that replaces the MLP in its layers; null for a dense
 *                       model
 * @param attention      the attention's biases, sliding windows, score scale and cap, and rotary fraction
 * @param positions      rotary (RoPE on q and k) or learned absolute embeddings added to the token's
 * @param embeddingScale what the token embedding is multiplied by (Gemma: sqrt(hidden_size)); 1 for most
 * @param parallelBlock  attention and feed-forward both read the attention norm's output and add to the residual
 *                       together (Phi); otherwise the feed-forward block has its own norm, after attention's add
 * @param postNorms      the attention and feed-forward outputs are normed again before their residual adds
 *                       (Gemma 2)
 * @param finalSoftCap   logits soft-capped to (-cap, cap); 0 for none
 * @param lmHeadBias     whether the classifier has a bias
 * @param names          the checkpoint's tensor names
 */
public record Family(Norm norm, ActivationFunction activation, MlpKind mlp, boolean mlpBias, MixtureOfExperts moe,
                     AttentionOptions attention, Positions positions, float embeddingScale, boolean parallelBlock,
                     boolean postNorms, float finalSoftCap, boolean lmHeadBias, WeightNames names) {

    /** The norm every layer and the final norm use. */
    public enum Norm {
        /** x / rms(x) * weight (Llama). */
        RMS,
        /** x / rms(x) * (1 + weight) (Gemma, which stores the scale minus one). */
        RMS_ONE_PLUS,
        /** (x - mean) / std * weight + bias (GPT-2, Phi, StarCoder2). */
        LAYER
    }

    /** The feed-forward block. */
    public enum MlpKind {
        /** down(f(gate(x)) * up(x)): SwiGLU, GeGLU. */
        GATED,
        /** down(f(up(x))): GPT-2's c_fc and c_proj, Phi's fc1 and fc2. */
        PLAIN
    }

    /** Where positions come from. */
    public enum Positions {
        /** Rotary embedding of q and k (RoPE). */
        ROTARY,
        /** A learned [max_positions, hidden] table added to the token embedding (GPT-2). */
        LEARNED
    }

    /** Llama: RMSNorm, SwiGLU without biases, RoPE over whole heads, nothing else. */
    public static final Family LLAMA = new Family(Norm.RMS, ActivationFunction.SILU, MlpKind.GATED, false, null,
            AttentionOptions.LLAMA, Positions.ROTARY, 1, false, false, 0, false, WeightNames.LLAMA);

    public Family withNorm(Norm norm) {
        return new Family(norm, activation, mlp, mlpBias, moe, attention, positions, embeddingScale,
                parallelBlock, postNorms, finalSoftCap, lmHeadBias, names);
    }

    public Family withActivation(ActivationFunction activation) {
        return new Family(norm, activation, mlp, mlpBias, moe, attention, positions, embeddingScale,
                parallelBlock, postNorms, finalSoftCap, lmHeadBias, names);
    }

    public Family withMlp(MlpKind mlp) {
        return new Family(norm, activation, mlp, mlpBias, moe, attention, positions, embeddingScale,
                parallelBlock, postNorms, finalSoftCap, lmHeadBias, names);
    }

    public Family withMlpBias(boolean mlpBias) {
        return new Family(norm, activation, mlp, mlpBias, moe, attention, positions, embeddingScale,
                parallelBlock, postNorms, finalSoftCap, lmHeadBias, names);
    }

    public Family withMoe(MixtureOfExperts moe) {
        return new Family(norm, activation, mlp, mlpBias, moe, attention, positions, embeddingScale,
                parallelBlock, postNorms, finalSoftCap, lmHeadBias, names);
    }

    public Family withAttention(AttentionOptions attention) {
        return new Family(norm, activation, mlp, mlpBias, moe, attention, positions, embeddingScale,
                parallelBlock, postNorms, finalSoftCap, lmHeadBias, names);
    }

    public Family withPositions(Positions positions) {
        return new Family(norm, activation, mlp, mlpBias, moe, attention, positions, embeddingScale,
                parallelBlock, postNorms, finalSoftCap, lmHeadBias, names);
    }

    public Family withEmbeddingScale(float embeddingScale) {
        return new Family(norm, activation, mlp, mlpBias, moe, attention, positions, embeddingScale,
                parallelBlock, postNorms, finalSoftCap, lmHeadBias, names);
    }

    public Family withParallelBlock(boolean parallelBlock) {
        return new Family(norm, activation, mlp, mlpBias, moe, attention, positions, embeddingScale,
                parallelBlock, postNorms, finalSoftCap, lmHeadBias, names);
    }

    public Family withPostNorms(boolean postNorms) {
        return new Family(norm, activation, mlp, mlpBias, moe, attention, positions, embeddingScale,
                parallelBlock, postNorms, finalSoftCap, lmHeadBias, names);
    }

    public Family withFinalSoftCap(float finalSoftCap) {
        return new Family(norm, activation, mlp, mlpBias, moe, attention, positions, embeddingScale,
                parallelBlock, postNorms, finalSoftCap, lmHeadBias, names);
    }

    public Family withLmHeadBias(boolean lmHeadBias) {
        return new Family(norm, activation, mlp, mlpBias, moe, attention, positions, embeddingScale,
                parallelBlock, postNorms, finalSoftCap, lmHeadBias, names);
    }

    public Family withNames(WeightNames names) {
        return new Family(norm, activation, mlp, mlpBias, moe, attention, positions, embeddingScale,
                parallelBlock, postNorms, finalSoftCap, lmHeadBias, names);
    }

    /** How layer {@code layer}'s attention forms its scores, for heads of {@code headDim}. */
    public Scores scores(int layer, int headDim) {
        float divisor = (float) Math.sqrt(attention.queryScalar() > 0 ? attention.queryScalar() : headDim);
        return new Scores(divisor, attention.softCap(), attention.window(layer));
    }

    /** Values of each head of {@code headDim} that RoPE rotates (transformers: int(head_dim * fraction)). */
    public int rotaryDims(int headDim) {
        return (int) (headDim * attention.rotaryFraction());
    }
}
