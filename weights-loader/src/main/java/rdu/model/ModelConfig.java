package rdu.model;

import java.util.List;
import rdu.rope.RopeScaling;

/**
 * The shape and hyper-parameters of a Llama-family decoder, as read from Hugging Face config.json
 * or a llama2.c header. Everything the graph builder and the kernels need, nothing else.
 *
 * @param ropeScaling null when the model uses plain RoPE
 * @param eosTokenIds ids that end generation (from config.json and generation_config.json)
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
        List<Integer> eosTokenIds) {

    public ModelConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** The same model with a KV cache of {@code positions} positions. */
    public ModelConfig withMaxPositions(int positions) {
        return new ModelConfig(architecture, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                vocabSize, positions, rmsNormEps, ropeTheta, ropeScaling, tiedEmbeddings, bosTokenId, eosTokenIds);
    }

    /** The same model with only its first {@code layers} decoder layers (a layer-skipping draft). */
    public ModelConfig withLayers(int layers) {
        return new ModelConfig(architecture, hiddenSize, intermediateSize, layers, numHeads, numKvHeads, headDim,
                vocabSize, maxPositions, rmsNormEps, ropeTheta, ropeScaling, tiedEmbeddings, bosTokenId, eosTokenIds);
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
