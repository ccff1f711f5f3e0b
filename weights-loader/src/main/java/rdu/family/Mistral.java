package rdu.family;

import rdu.model.ConfigJson;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;

/**
 * Mistral (MistralForCausalLM): Llama whose every layer attends to a sliding window of sliding_window positions
 * (none when it is null, as in v0.2 on).
 */
final class Mistral {

    private Mistral() {
    }

    static ModelConfig read(ConfigJson c, String architecture) {
        ModelConfig config = HfConfig.decoder(c, architecture);
        Family mistral = config.family();
        return config.withFamily(mistral
                .withAttention(mistral.attention().withWindows(Families.windows(c, config.numLayers(), l -> true, 0)))
                .withActivation(Families.activation(c, "hidden_act", mistral.activation())));
    }
}
