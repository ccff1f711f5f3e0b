package rdu.moe;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;
import rdu.model.HfConfig;

/**
 * The Mixture-of-Experts part of a decoder: which layers replace the dense MLP by routed experts, and their sizes.
 * In an MoE layer a router sends each token to {@code expertsPerToken} of {@code experts} SwiGLU experts; the
 * {@code sharedExperts} experts, if any, take every token. The attention and the dense layers are read by
 * {@link HfConfig} as for any Llama-like model.
 *
 * @param expertIntermediate one routed expert's MLP width
 * @param sharedIntermediate one shared expert's MLP width, 0 when there are none
 * @param moeLayerStep       1: every layer from {@code firstMoeLayer} on is MoE; 2: every other one
 * @param firstMoeLayer      the first MoE layer; the layers before it are dense
 * @param sharedExpertGate   whether the shared expert's output is scaled by sigmoid(shared_expert_gate x) (Qwen2-MoE)
 */
public record MoeConfig(int experts, int expertsPerToken, int expertIntermediate, int sharedExperts,
                        int sharedIntermediate, int moeLayerStep, int firstMoeLayer, boolean sharedExpertGate) {

    /** Shared experts, if any, without a gate: they add their output as it is. */
    public MoeConfig(int experts, int expertsPerToken, int expertIntermediate, int sharedExperts,
                     int sharedIntermediate, int moeLayerStep, int firstMoeLayer) {
        this(experts, expertsPerToken, expertIntermediate, sharedExperts, sharedIntermediate, moeLayerStep,
                firstMoeLayer, false);
    }

    public MoeConfig {
        if (experts < 1 || expertsPerToken < 1 || expertsPerToken > experts || expertIntermediate < 1
                || sharedExperts < 0 || sharedIntermediate < 0 || (sharedExperts > 0) != (sharedIntermediate > 0)
                || moeLayerStep < 1 || firstMoeLayer < 0 || (sharedExpertGate && sharedExperts == 0)) {
            throw new IllegalArgumentException("invalid MoE config: " + experts + " experts, " + expertsPerToken
                    + " per token, expert width " + expertIntermediate + ", " + sharedExperts + " shared of width "
                    + sharedIntermediate + (sharedExpertGate ? " (gated)" : "") + ", every " + moeLayerStep
                    + " layers from layer " + firstMoeLayer);
        }
    }

    /** Whether decoder layer {@code layer} (0-based) routes its MLP through experts. */
    public boolean isMoeLayer(int layer) {
        return layer >= firstMoeLayer && (layer - firstMoeLayer) % moeLayerStep == 0;
    }

    /** How many of a model's first {@code layers} layers are MoE layers (those {@link #isMoeLayer} says are). */
    public int moeLayers(int layers) {
        return layers <= firstMoeLayer ? 0 : (layers - 1 - firstMoeLayer) / moeLayerStep + 1;
    }

    /**
     * The MoE part of a Hugging Face config.json, or null for a dense model. Reads each family's field names:
     * Mixtral and gpt-oss route every layer, with intermediate_size per expert; Llama 4 (under "text_config") makes
     * layers step-1, 2*step-1, ... MoE with interleave_moe_layer_step (as transformers does), each with one shared
     * expert as wide as a routed one; DeepSeek V3 (and R1) makes every layer from first_k_dense_replace on MoE, with
     * n_routed_experts experts and n_shared_experts shared ones, all moe_intermediate_size wide (group-limited
     * routing is not read: routing is modeled as {@link ExpertRouting} says, uniform by default). Qwen2-MoE makes
     * every decoder_sparse_step-th layer MoE (layers step-1, 2*step-1, ...), with num_experts experts of
     * moe_intermediate_size and one shared expert of shared_expert_intermediate_size behind its sigmoid gate; its
     * mlp_only_layers must be empty here (no catalog model lists any).
     *
     * @throws CheckpointException if an MoE field is missing or not a positive integer, or selects more experts
     *                             per token than there are
     */
    public static MoeConfig read(Path configJson) {
        JsonNode top = CheckpointFiles.readJsonObject(configJson);
        JsonNode c = HfConfig.textConfig(top);
        for (JsonNode architecture : top.path("architectures")) {
            switch (architecture.asText()) {
                case "MixtralForCausalLM" -> {
                    return routedEveryLayer(configJson, c, "num_experts_per_tok");
                }
                case "GptOssForCausalLM" -> {
                    return routedEveryLayer(configJson, c,
                            c.has("num_experts_per_tok") ? "num_experts_per_tok" : "experts_per_token");
                }
                case "Llama4ForConditionalGeneration" -> {
                    int width = CheckpointFiles.intAtLeast(configJson, c, "intermediate_size", 1);
                    int step = CheckpointFiles.intAtLeast(configJson, c, "interleave_moe_layer_step", 1);
                    return config(configJson, c, "num_local_experts", "num_experts_per_tok", width, 1, width, step,
                            step - 1, false);
                }
                case "Qwen2MoeForCausalLM" -> {
                    JsonNode dense = c.path("mlp_only_layers");
                    if (!dense.isMissingNode() && !dense.isNull() && !(dense.isArray() && dense.isEmpty())) {
                        throw new CheckpointException(configJson, "mlp_only_layers",
                                "[] in timing-only runs (dense layers come from decoder_sparse_step only)",
                                dense.toString());
                    }
                    int step = c.has("decoder_sparse_step")
                            ? CheckpointFiles.intAtLeast(configJson, c, "decoder_sparse_step", 1) : 1;
                    return config(configJson, c, "num_experts", "num_experts_per_tok",
                            CheckpointFiles.intAtLeast(configJson, c, "moe_intermediate_size", 1), 1,
                            CheckpointFiles.intAtLeast(configJson, c, "shared_expert_intermediate_size", 1), step,
                            step - 1, true);
                }
                case "DeepseekV3ForCausalLM" -> {
                    int width = CheckpointFiles.intAtLeast(configJson, c, "moe_intermediate_size", 1);
                    return config(configJson, c, "n_routed_experts", "num_experts_per_tok", width,
                            CheckpointFiles.intAtLeast(configJson, c, "n_shared_experts", 1), width, 1,
                            CheckpointFiles.intAtLeast(configJson, c, "first_k_dense_replace", 0), false);
                }
                default -> {
                    // not an MoE architecture: look at the next one listed
                }
            }
        }
        return null;
    }

    private static MoeConfig routedEveryLayer(Path file, JsonNode c, String perTokenField) {
        return config(file, c, "num_local_experts", perTokenField,
                CheckpointFiles.intAtLeast(file, c, "intermediate_size", 1), 0, 0, 1, 0, false);
    }

    private static MoeConfig config(Path file, JsonNode c, String expertsField, String perTokenField, int width,
                                    int shared, int sharedWidth, int step, int first, boolean gate) {
        int experts = CheckpointFiles.intAtLeast(file, c, expertsField, 1);
        int perToken = CheckpointFiles.intAtLeast(file, c, perTokenField, 1);
        if (perToken > experts) {
            throw new CheckpointException(file, perTokenField, "at most " + expertsField + " (" + experts + ")",
                    String.valueOf(perToken));
        }
        return new MoeConfig(experts, perToken, width, shared, sharedWidth, step, first, gate);
    }
}
