package rdu.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import rdu.family.Families;
import rdu.family.Family;
import rdu.rope.RopeScaling;

/**
 * Reads a Hugging Face config.json (and generation_config.json beside it, if present) into a ModelConfig.
 * Optional fields take Hugging Face LlamaConfig's defaults; a JSON null counts as absent, as in transformers.
 */
public final class HfConfig {

    public static final String LLAMA = "LlamaForCausalLM";
    /**
     * Decoders with Llama's attention and RMSNorm structure, readable by Llama's fields where only shapes matter (rdu
     * simulate reads those with a family, {@link Families}, by their family instead, Qwen2's q/k/v biases and Mistral's
     * windows included). For the Mixture-of-Experts ones (Mixtral, gpt-oss, Llama 4,
     * DeepSeek V3) this reads the attention and dense sizes only; the emulator's rdu.moe.MoeConfig reads their
     * experts, and rdu.mla.MlaConfig DeepSeek V3's latent attention sizes (its head_dim is theirs, not this one).
     */
    public static final Set<String> LLAMA_LIKE = Set.of(LLAMA, "Qwen2ForCausalLM", "MistralForCausalLM",
            "MixtralForCausalLM", "GptOssForCausalLM", "Llama4ForConditionalGeneration", "DeepseekV3ForCausalLM");

    private HfConfig() {
    }

    /** Reads a config of an architecture the functional path runs: its family's file reads it ({@link Families}). */
    public static ModelConfig read(Path configJson) {
        return Families.read(configJson);
    }

    /**
     * Reads a config whose architecture is one of {@code supported} by Llama's fields, as Llama computes (timing-only
     * runs, which need shapes). A multimodal config (Llama 4) nests its language model under "text_config": the
     * architecture is read from the top level, every other field from there.
     */
    public static ModelConfig read(Path configJson, Set<String> supported) {
        JsonNode top = CheckpointFiles.readJsonObject(configJson);
        String architecture = architecture(configJson, top, supported);
        return decoder(new ConfigJson(configJson, textConfig(top)), architecture);
    }

    /**
     * The fields Llama's config.json has, which most families share, with LlamaConfig's defaults; the family is
     * {@link Family#LLAMA} with the config's partial_rotary_factor. A family that differs changes what the result
     * says.
     */
    public static ModelConfig decoder(ConfigJson c, String architecture) {
        Path configJson = c.file();
        int hidden = c.integer("hidden_size", 1);
        // Llama 4's intermediate_size is one expert's; its dense layers' MLP width is intermediate_size_mlp
        int intermediate = c.integer(c.has("intermediate_size_mlp") ? "intermediate_size_mlp" : "intermediate_size", 1);
        int layers = c.integer("num_hidden_layers", 1);
        int heads = c.integer("num_attention_heads", 1);
        int vocab = c.integer("vocab_size", 1);
        int maxPositions = c.integer("max_position_embeddings", 1);

        int kvHeads = c.integer("num_key_value_heads", 1, heads);
        if (heads % kvHeads != 0) {
            throw new CheckpointException(configJson, "num_key_value_heads",
                    "a divisor of num_attention_heads (" + heads + ")", String.valueOf(kvHeads));
        }
        int headDim;
        if (!c.has("head_dim")) {
            if (hidden % heads != 0) {
                throw new CheckpointException(configJson, "hidden_size",
                        "a multiple of num_attention_heads (" + heads + ") when head_dim is absent",
                        String.valueOf(hidden));
            }
            headDim = hidden / heads;
        } else {
            headDim = c.integer("head_dim", 1);
        }
        if ((long) heads * headDim > Integer.MAX_VALUE) {
            throw new CheckpointException(configJson, "num_attention_heads * head_dim",
                    "at most " + Integer.MAX_VALUE + " (the width of the attention projections)",
                    heads + " * " + headDim + " = " + (long) heads * headDim);
        }
        boolean tied = c.bool("tie_word_embeddings", false);
        checkSizes(configJson, hidden, intermediate, layers, (long) heads * headDim, (long) kvHeads * headDim, vocab,
                maxPositions, tied);

        double eps = c.positive("rms_norm_eps", 1e-6);
        double theta = c.positive("rope_theta", 10000);
        double rotaryFraction = c.positive("partial_rotary_factor", 1);
        int rotaryDims = (int) (headDim * rotaryFraction);
        if (c.has("partial_rotary_factor") && (rotaryFraction > 1 || rotaryDims % 2 != 0 || rotaryDims == 0)) {
            throw c.error("partial_rotary_factor", "at most 1, rotating an even number of each head's " + headDim
                    + " values");
        }
        RopeScaling scaling = ropeScaling(c, maxPositions, rotaryDims);
        // dynamic NTK scaling exists to run past max_position_embeddings: when that is the trained context, the
        // model reaches factor times as far
        boolean trainedContext = scaling instanceof RopeScaling.Dynamic
                && !c.object("rope_scaling").has("original_max_position_embeddings");
        int context = trainedContext ? (int) Math.min(Integer.MAX_VALUE,
                (long) Math.floor(maxPositions * ((RopeScaling.Dynamic) scaling).factor())) : maxPositions;
        int bos = bosTokenId(c, vocab, 1);
        List<Integer> eos = eosTokenIds(c, vocab, List.of(2));
        return new ModelConfig(architecture, hidden, intermediate, layers, heads, kvHeads, headDim, vocab, context,
                (float) eps, theta, scaling, tied, bos, eos,
                Family.LLAMA.withAttention(Family.LLAMA.attention().withRotaryFraction(rotaryFraction)));
    }

    /**
     * The bytes of the weights (at F32, the widest dtype) and of a full-context KV cache fit in a long, so that no size
     * computed from this config (by the loader, the placement, the cost model) can overflow.
     */
    public static void checkSizes(Path file, long hidden, long intermediate, long layers, long qDim, long kvDim,
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

    /** The first architecture {@code config} lists that is one of {@code supported}. */
    public static String architecture(Path file, JsonNode config, Collection<String> supported) {
        JsonNode node = config.path("architectures");
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

    /**
     * rope_scaling, or null for plain RoPE. {@code maxPositions} is max_position_embeddings, the trained context where
     * rope_scaling does not name it; {@code rotaryDims} the values of a head RoPE rotates.
     */
    private static RopeScaling ropeScaling(ConfigJson config, int maxPositions, int rotaryDims) {
        if (!config.has("rope_scaling")) {
            return null;
        }
        if (!config.get("rope_scaling").isObject()) {
            throw config.error("rope_scaling", "null or an object");
        }
        ConfigJson s = config.object("rope_scaling");
        String typeField = s.has("rope_type") ? "rope_type" : "type";
        if (!s.get(typeField).isTextual()) {
            throw new CheckpointException(config.file(), "rope_scaling.rope_type", "a string",
                    CheckpointFiles.describe(s.get(typeField)));
        }
        try {
            return switch (s.get(typeField).textValue()) {
                case "default" -> null;
                case "linear" -> new RopeScaling.Linear(s.positive("factor"));
                case "dynamic" -> new RopeScaling.Dynamic(s.positive("factor"),
                        s.integer("original_max_position_embeddings", 1, maxPositions));
                case "yarn" -> yarn(s, maxPositions);
                case "llama3" -> new RopeScaling.Llama3(s.positive("factor"), s.positive("low_freq_factor"),
                        s.positive("high_freq_factor"), s.integer("original_max_position_embeddings", 1));
                case "longrope", "su" -> longRope(config, s, maxPositions, rotaryDims);
                default -> throw new CheckpointException(config.file(), "rope_scaling." + typeField,
                        "one of \"default\", \"linear\", \"dynamic\", \"yarn\", \"llama3\", \"longrope\" (or \"su\")",
                        "\"" + s.get(typeField).textValue() + "\" (unsupported)");
            };
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(config.file(), "rope_scaling: " + e.getMessage());
        }
    }

    /**
     * YaRN. When rope_scaling names the trained context, the factor is max_position_embeddings over it, as in
     * transformers; the attention factor is 0.1 ln(factor) + 1 unless given (or DeepSeek's ratio of two such, by
     * mscale).
     */
    private static RopeScaling yarn(ConfigJson s, int maxPositions) {
        double factor = s.has("original_max_position_embeddings")
                ? (double) maxPositions / s.integer("original_max_position_embeddings", 1) : s.positive("factor");
        double attention;
        if (s.has("attention_factor")) {
            attention = s.positive("attention_factor");
        } else if (s.has("mscale") && s.has("mscale_all_dim")) {
            attention = mscale(factor, s.positive("mscale")) / mscale(factor, s.positive("mscale_all_dim"));
        } else {
            attention = mscale(factor, 1);
        }
        return new RopeScaling.Yarn(factor, s.integer("original_max_position_embeddings", 1, maxPositions),
                s.positive("beta_fast", 32), s.positive("beta_slow", 1), attention, s.bool("truncate", true));
    }

    private static double mscale(double factor, double mscale) {
        return factor <= 1 ? 1 : 0.1 * mscale * Math.log(factor) + 1;
    }

    /**
     * LongRoPE. Phi-3 keeps its trained context in a top-level original_max_position_embeddings; then the factor is
     * max_position_embeddings over it, as in transformers. The attention factor is sqrt(1 + ln(factor) /
     * ln(original)) unless given.
     */
    private static RopeScaling longRope(ConfigJson config, ConfigJson s, int maxPositions, int rotaryDims) {
        int original;
        double factor;
        if (config.has("original_max_position_embeddings")) {
            original = config.integer("original_max_position_embeddings", 1);
            factor = (double) maxPositions / original;
        } else {
            original = s.integer("original_max_position_embeddings", 1, maxPositions);
            factor = s.positive("factor", 1);
        }
        double attention = s.has("attention_factor") ? s.positive("attention_factor")
                : factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(original));
        List<Double> shortFactor = s.positives("short_factor");
        List<Double> longFactor = s.positives("long_factor");
        for (String field : List.of("short_factor", "long_factor")) {
            int found = (field.equals("short_factor") ? shortFactor : longFactor).size();
            if (found != rotaryDims / 2) {
                throw s.invalid(field, "expected " + rotaryDims / 2 + " factors (one per rotated pair of a head's "
                        + rotaryDims + " rotated values), found " + found);
            }
        }
        return new RopeScaling.LongRope(shortFactor, longFactor, original, attention);
    }

    /** bos_token_id, or {@code absent} when the config has none. */
    public static int bosTokenId(ConfigJson c, int vocab, int absent) {
        return c.has("bos_token_id") ? tokenId(c.file(), "bos_token_id", c.get("bos_token_id"), vocab) : absent;
    }

    /**
     * The ids that end generation: generation_config.json's eos_token_id if it has one (it is what generate() obeys),
     * else config.json's, else {@code absent}.
     */
    public static List<Integer> eosTokenIds(ConfigJson c, int vocab, List<Integer> absent) {
        List<Integer> eos = c.has("eos_token_id") ? tokenIds(c.file(), "eos_token_id", c.get("eos_token_id"), vocab)
                : absent;
        Path generationJson = c.file().resolveSibling("generation_config.json");
        if (Files.exists(generationJson)) {
            JsonNode g = CheckpointFiles.readJsonObject(generationJson).path("eos_token_id");
            if (!g.isMissingNode() && !g.isNull()) {
                eos = tokenIds(generationJson, "eos_token_id", g, vocab);
            }
        }
        return eos;
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
