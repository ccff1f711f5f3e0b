package rdu.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import rdu.rope.RopeScaling;

/**
 * Reads a Hugging Face config.json (and generation_config.json beside it, if present) into a ModelConfig.
 * Optional fields take Hugging Face LlamaConfig's defaults; a JSON null counts as absent, as in transformers.
 */
public final class HfConfig {

    public static final String LLAMA = "LlamaForCausalLM";
    /**
     * Decoders with Llama's attention and RMSNorm structure, accepted where only shapes matter (timing-only runs).
     * Qwen2's small q/k/v biases are not modeled. For the Mixture-of-Experts ones (Mixtral, gpt-oss, Llama 4,
     * DeepSeek V3) this reads the attention and dense sizes only; the emulator's rdu.moe.MoeConfig reads their
     * experts, and rdu.mla.MlaConfig DeepSeek V3's latent attention sizes (its head_dim is theirs, not this one).
     */
    public static final Set<String> LLAMA_LIKE = Set.of(LLAMA, "Qwen2ForCausalLM", "MistralForCausalLM",
            "MixtralForCausalLM", "GptOssForCausalLM", "Llama4ForConditionalGeneration", "DeepseekV3ForCausalLM");

    private HfConfig() {
    }

    /** Reads a config of an architecture the functional path runs (LlamaForCausalLM). */
    public static ModelConfig read(Path configJson) {
        return read(configJson, Set.of(LLAMA));
    }

    /**
     * Reads a config whose architecture is one of {@code supported}. A multimodal config (Llama 4) nests its language
     * model under "text_config": the architecture is read from the top level, every other field from there.
     */
    public static ModelConfig read(Path configJson, Set<String> supported) {
        JsonNode top = CheckpointFiles.readJsonObject(configJson);
        String architecture = architecture(configJson, top.path("architectures"), supported);
        JsonNode c = textConfig(top);
        int hidden = CheckpointFiles.intAtLeast(configJson, c, "hidden_size", 1);
        // Llama 4's intermediate_size is one expert's; its dense layers' MLP width is intermediate_size_mlp
        String mlpField = absent(c.path("intermediate_size_mlp")) ? "intermediate_size" : "intermediate_size_mlp";
        int intermediate = CheckpointFiles.intAtLeast(configJson, c, mlpField, 1);
        int layers = CheckpointFiles.intAtLeast(configJson, c, "num_hidden_layers", 1);
        int heads = CheckpointFiles.intAtLeast(configJson, c, "num_attention_heads", 1);
        int vocab = CheckpointFiles.intAtLeast(configJson, c, "vocab_size", 1);
        int maxPositions = CheckpointFiles.intAtLeast(configJson, c, "max_position_embeddings", 1);

        int kvHeads = absent(c.path("num_key_value_heads")) ? heads
                : CheckpointFiles.intAtLeast(configJson, c, "num_key_value_heads", 1);
        if (heads % kvHeads != 0) {
            throw new CheckpointException(configJson, "num_key_value_heads",
                    "a divisor of num_attention_heads (" + heads + ")", String.valueOf(kvHeads));
        }
        int headDim;
        if (absent(c.path("head_dim"))) {
            if (hidden % heads != 0) {
                throw new CheckpointException(configJson, "hidden_size",
                        "a multiple of num_attention_heads (" + heads + ") when head_dim is absent",
                        String.valueOf(hidden));
            }
            headDim = hidden / heads;
        } else {
            headDim = CheckpointFiles.intAtLeast(configJson, c, "head_dim", 1);
        }

        if ((long) heads * headDim > Integer.MAX_VALUE) {
            throw new CheckpointException(configJson, "num_attention_heads * head_dim",
                    "at most " + Integer.MAX_VALUE + " (the width of the attention projections)",
                    heads + " * " + headDim + " = " + (long) heads * headDim);
        }
        boolean tied = !absent(c.path("tie_word_embeddings"))
                && bool(configJson, "tie_word_embeddings", c.path("tie_word_embeddings"));
        checkSizes(configJson, hidden, intermediate, layers, (long) heads * headDim, (long) kvHeads * headDim, vocab,
                maxPositions, tied);

        double eps = absent(c.path("rms_norm_eps")) ? 1e-6 : positive(configJson, "rms_norm_eps", c.path("rms_norm_eps"));
        double theta = absent(c.path("rope_theta")) ? 10000 : positive(configJson, "rope_theta", c.path("rope_theta"));
        RopeScaling scaling = ropeScaling(configJson, c.path("rope_scaling"));
        int bos = absent(c.path("bos_token_id")) ? 1
                : tokenId(configJson, "bos_token_id", c.path("bos_token_id"), vocab);
        List<Integer> eos = absent(c.path("eos_token_id")) ? List.of(2)
                : tokenIds(configJson, "eos_token_id", c.path("eos_token_id"), vocab);

        // generation_config.json is what generate() obeys, so its eos_token_id wins over config.json's.
        Path generationJson = configJson.resolveSibling("generation_config.json");
        if (Files.exists(generationJson)) {
            JsonNode g = CheckpointFiles.readJsonObject(generationJson).path("eos_token_id");
            if (!absent(g)) {
                eos = tokenIds(generationJson, "eos_token_id", g, vocab);
            }
        }
        return new ModelConfig(architecture, hidden, intermediate, layers, heads, kvHeads, headDim, vocab,
                maxPositions, (float) eps, theta, scaling, tied, bos, eos);
    }

    /**
     * The bytes of the weights (at F32, the widest dtype) and of a full-context KV cache fit in a long, so that no size
     * computed from this config (by the loader, the placement, the cost model) can overflow.
     */
    private static void checkSizes(Path file, long hidden, long intermediate, long layers, long qDim, long kvDim,
            long vocab, long maxPositions, boolean tied) {
        try {
            // a layer: q and o, k and v, gate, up and down, two norms; then the embedding (and lm_head), the final norm
            long perLayer = Math.addExact(Math.multiplyExact(2 * qDim + 2 * kvDim, hidden),
                    Math.multiplyExact(3 * intermediate + 2, hidden));
            long embeddings = Math.multiplyExact((tied ? 1 : 2) * vocab, hidden);
            long weights = Math.addExact(Math.multiplyExact(layers, perLayer), Math.addExact(embeddings, hidden));
            long kvCache = Math.multiplyExact(Math.multiplyExact(2 * layers, kvDim), maxPositions); // K and V
            Math.multiplyExact(Math.addExact(weights, kvCache), Float.BYTES);
        } catch (ArithmeticException e) {
            throw new CheckpointException(file, "sizes", "weights and a KV cache of at most 2^63 - 1 bytes",
                    "more (hidden_size " + hidden + ", intermediate_size " + intermediate + ", num_hidden_layers "
                            + layers + ", vocab_size " + vocab + ", max_position_embeddings " + maxPositions + ")");
        }
    }

    /** The object holding the language model's fields: "text_config" when the top level has no hidden_size. */
    public static JsonNode textConfig(JsonNode config) {
        return config.has("hidden_size") || !config.path("text_config").isObject() ? config : config.get("text_config");
    }

    private static String architecture(Path file, JsonNode node, Set<String> supported) {
        if (!node.isArray() || node.isEmpty()) {
            throw new CheckpointException(file, "architectures", "a list like [\"" + LLAMA + "\"]",
                    CheckpointFiles.describe(node));
        }
        List<String> names = new ArrayList<>();
        for (JsonNode n : node) {
            if (!n.isTextual()) {
                throw new CheckpointException(file, "architectures", "a list of strings", CheckpointFiles.describe(node));
            }
            names.add(n.textValue());
        }
        for (String name : names) {
            if (supported.contains(name)) {
                return name;
            }
        }
        throw new CheckpointException(file, "unsupported architecture " + String.join(", ", names) + " (supported: "
                + String.join(", ", new TreeSet<>(supported)) + ")");
    }

    private static RopeScaling ropeScaling(Path file, JsonNode node) {
        if (absent(node)) {
            return null;
        }
        if (!node.isObject()) {
            throw new CheckpointException(file, "rope_scaling", "null or an object", CheckpointFiles.describe(node));
        }
        JsonNode type = node.has("rope_type") ? node.get("rope_type") : node.path("type");
        if (!type.isTextual()) {
            throw new CheckpointException(file, "rope_scaling.rope_type", "a string", CheckpointFiles.describe(type));
        }
        switch (type.textValue()) {
            case "default" -> {
                return null;
            }
            case "llama3" -> {
                double factor = positive(file, "rope_scaling.factor", node.path("factor"));
                double low = positive(file, "rope_scaling.low_freq_factor", node.path("low_freq_factor"));
                double high = positive(file, "rope_scaling.high_freq_factor", node.path("high_freq_factor"));
                int original = CheckpointFiles.intAtLeast(file, "rope_scaling.original_max_position_embeddings",
                        node.path("original_max_position_embeddings"), 1);
                try {
                    return new RopeScaling(factor, low, high, original);
                } catch (IllegalArgumentException e) {
                    throw new CheckpointException(file, "rope_scaling: " + e.getMessage());
                }
            }
            default -> throw new CheckpointException(file, "rope_scaling.rope_type",
                    "\"llama3\" or \"default\"", "\"" + type.textValue() + "\" (unsupported)");
        }
    }

    private static boolean absent(JsonNode node) {
        return node.isMissingNode() || node.isNull();
    }

    private static double positive(Path file, String field, JsonNode node) {
        if (!node.isNumber() || !(node.doubleValue() > 0) || Double.isInfinite(node.doubleValue())) {
            throw new CheckpointException(file, field, "a positive number", CheckpointFiles.describe(node));
        }
        return node.doubleValue();
    }

    private static boolean bool(Path file, String field, JsonNode node) {
        if (!node.isBoolean()) {
            throw new CheckpointException(file, field, "true or false", CheckpointFiles.describe(node));
        }
        return node.booleanValue();
    }

    private static int tokenId(Path file, String field, JsonNode node, int vocab) {
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0 || node.intValue() >= vocab) {
            throw new CheckpointException(file, field, "a token id in [0, " + vocab + ") (vocab_size)",
                    CheckpointFiles.describe(node));
        }
        return node.intValue();
    }

    /** eos_token_id is an int in most configs and a list in Llama 3.x ones. */
    private static List<Integer> tokenIds(Path file, String field, JsonNode node, int vocab) {
        if (!node.isArray()) {
            return List.of(tokenId(file, field, node, vocab));
        }
        if (node.isEmpty()) {
            throw new CheckpointException(file, field, "a token id or a non-empty list of them", "[]");
        }
        List<Integer> ids = new ArrayList<>();
        for (JsonNode n : node) {
            ids.add(tokenId(file, field, n, vocab));
        }
        return ids;
    }
}
