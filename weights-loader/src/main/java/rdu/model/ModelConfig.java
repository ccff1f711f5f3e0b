package rdu.model;

import java.util.List;
import rdu.family.Family;
import rdu.rope.RopeScaling;

/**
 * The shape and hyper-parameters of a decoder, as read from Hugging Face config.json or a llama2.c header, and the
 * family that says how it computes. Everything the graph builder and the kernels need, nothing else.
 *
 * @param rmsNormEps  the epsilon of every norm, RMSNorm's or LayerNorm's
 * @param ropeScaling null when the model uses plain RoPE
 * @param eosTokenIds ids that end generation (from config.json and generation_config.json)
 * @param family      how the layers compute ({@link Family#LLAMA} for Llama checkpoints, and for every model a
 *                    timing-only run reads by shape)
 */
public record ModelConfig(
        String architecture,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositions,
        float rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tiedEmbeddings,
        int bosTokenId,
        List<Integer> eosTokenIds,
        Family family) {

    public ModelConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** The same model with a KV cache of {@code positions} positions. */
    public ModelConfig withMaxPositions(int positions) {
        return new ModelConfig(architecture, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                vocabSize, positions, rmsNormEps, ropeTheta, ropeScaling, tiedEmbeddings, bosTokenId, eosTokenIds,
                family);
    }

    /** The same model with only its first {@code layers} decoder layers (a layer-skipping draft). */
    public ModelConfig withLayers(int layers) {
        return new ModelConfig(architecture, hiddenSize, intermediateSize, layers, numHeads, numKvHeads, headDim,
                vocabSize, maxPositions, rmsNormEps, ropeTheta, ropeScaling, tiedEmbeddings, bosTokenId, eosTokenIds,
                family);
    }

    /** The same model with norms of epsilon {@code eps} (families name the field differently). */
    public ModelConfig withNormEps(float eps) {
        return new ModelConfig(architecture, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                vocabSize, maxPositions, eps, ropeTheta, ropeScaling, tiedEmbeddings, bosTokenId, eosTokenIds, family);
    }

    /** The same model with its classifier tied to the embedding or not (families default differently). */
    public ModelConfig withTiedEmbeddings(boolean tied) {
        return new ModelConfig(architecture, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                vocabSize, maxPositions, rmsNormEps, ropeTheta, ropeScaling, tied, bosTokenId, eosTokenIds, family);
    }

    /** The same shapes computed as {@code family} says. */
    public ModelConfig withFamily(Family family) {
        return new ModelConfig(architecture, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                vocabSize, maxPositions, rmsNormEps, ropeTheta, ropeScaling, tiedEmbeddings, bosTokenId, eosTokenIds,
                family);
    }

    /** Width of the K and V projections: all KV heads together. */
    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** Width of the Q projection and the attention output: all query heads together. */
    public int qDim() {
        return numHeads * headDim;
    }
}
