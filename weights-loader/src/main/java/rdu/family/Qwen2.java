package rdu.family;

import rdu.model.ConfigJson;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;

/**
 * Qwen2 and Qwen2.5 (Qwen2ForCausalLM): Llama with biases on q, k and v, its embeddings tied in the small sizes; when
 * use_sliding_window is set, the layers from max_window_layers on attend to a sliding window.
 */
final class Qwen2 {

    private Qwen2() {
    }

    static ModelConfig read(ConfigJson c, String architecture) {
        ModelConfig config = HfConfig.decoder(c, architecture);
        Family qwen = config.family();
        int layers = config.numLayers();
        int fromLayer = c.integer("max_window_layers", 0, 28); // Qwen2Config's default
        var attention = qwen.attention().withQkvBias(true);
        if (c.bool("use_sliding_window", false)) {
            attention = attention.withWindows(Families.windows(c, layers, l -> l >= fromLayer, 4096));
        }
        return config.withFamily(qwen.withAttention(attention)
                .withActivation(Families.activation(c, "hidden_act", qwen.activation())));
    }
}
