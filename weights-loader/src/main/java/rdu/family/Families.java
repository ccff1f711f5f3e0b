package rdu.family;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import rdu.activation.ActivationFunction;
import rdu.model.CheckpointFiles;
import rdu.model.ConfigJson;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;

/**
 * The families the functional path runs, by the architecture name config.json gives them, and what their config
 * files share. Adding a family is a file with a {@code read(ConfigJson, String)} method and a line here.
 */
public final class Families {

    /** Reads a config.json of one family into its shapes and its {@link Family}. */
    @FunctionalInterface
    interface Reader {
        ModelConfig read(ConfigJson config, String architecture);
    }

    private static final Map<String, Reader> READERS = new TreeMap<>(Map.ofEntries(
            Map.entry(HfConfig.LLAMA, Llama::read),
            Map.entry("Qwen2ForCausalLM", Qwen2::read),
            Map.entry("MistralForCausalLM", Mistral::read),
            Map.entry("GemmaForCausalLM", Gemma::read),
            Map.entry("Gemma2ForCausalLM", Gemma2::read),
            Map.entry("Phi3ForCausalLM", Phi3::read),
            Map.entry("PhiForCausalLM", Phi::read),
            Map.entry("GPT2LMHeadModel", Gpt2::read),
            Map.entry("Starcoder2ForCausalLM", Starcoder2::read),
            Map.entry("MixtralForCausalLM", Mixtral::read),
            Map.entry("Qwen2MoeForCausalLM", Qwen2Moe::read)));

    private Families() {
    }

    /** The architectures the functional path runs. */
    public static Set<String> supported() {
        return READERS.keySet();
    }

    /** Reads {@code configJson} with the reader of the first architecture it lists that runs functionally. */
    public static ModelConfig read(Path configJson) {
        JsonNode top = CheckpointFiles.readJsonObject(configJson);
        String architecture = HfConfig.architecture(configJson, top, READERS.keySet());
        return READERS.get(architecture).read(new ConfigJson(configJson, top), architecture);
    }

    /** The activation {@code field} names (transformers' ACT2FN names), or {@code absent} when there is none. */
    static ActivationFunction activation(ConfigJson c, String field, ActivationFunction absent) {
        return switch (c.text(field, null)) {
            case null -> absent;
            case "silu", "swish" -> ActivationFunction.SILU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> ActivationFunction.GELU_TANH;
            case "gelu" -> ActivationFunction.GELU;
            default -> throw c.error(field, "one of \"silu\", \"gelu\", \"gelu_new\", \"gelu_pytorch_tanh\"");
        };
    }

    /** Experts per token, {@code field}: at least 1 and at most {@code experts} ({@code expertsField}). */
    static int topK(ConfigJson c, String field, String expertsField, int experts) {
        int topK = c.integer(field, 1);
        if (topK > experts) {
            throw c.error(field, "at most " + expertsField + " (" + experts + ")");
        }
        return topK;
    }

    /**
     * Each layer's window: sliding_window for the sliding layers, 0 (every position) for the others; empty when
     * sliding_window is null, or absent and the family's default {@code absent} is 0. The sliding layers are those
     * layer_types calls "sliding_attention" when the config lists them (newer transformers write it), else those
     * {@code sliding} says (the family's rule).
     */
    static List<Integer> windows(ConfigJson c, int layers, IntPredicate sliding, int absent) {
        if (c.get("sliding_window").isNull() || (!c.has("sliding_window") && absent == 0)) {
            return List.of();
        }
        int window = c.integer("sliding_window", 1, absent);
        JsonNode types = c.get("layer_types");
        if (c.has("layer_types") && (!types.isArray() || types.size() != layers)) {
            throw c.error("layer_types", "a list of num_hidden_layers (" + layers + ") layer types");
        }
        List<Integer> windows = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            boolean slides = switch (c.has("layer_types") ? types.get(l).asText() : "") {
                case "" -> sliding.test(l);
                case "sliding_attention" -> true;
                case "full_attention" -> false;
                default -> throw c.error("layer_types", "\"sliding_attention\" or \"full_attention\" for each layer");
            };
            windows.add(slides ? window : 0);
        }
        return windows;
    }
}
