package rdu.family;

import rdu.model.ConfigJson;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;

/**
 * Llama 2 and 3.x, SmolLM, TinyLlama (LlamaForCausalLM): {@link Family#LLAMA}, with biases on q, k, v and o when
 * attention_bias is set and on the MLP's projections when mlp_bias is, and hidden_act's activation.
 */
final class Llama {

    private Llama() {
    }

    static ModelConfig read(ConfigJson c, String architecture) {
        ModelConfig config = HfConfig.decoder(c, architecture);
        Family llama = config.family();
        boolean attentionBias = c.bool("attention_bias", false);
        return config.withFamily(llama
                .withAttention(llama.attention().withQkvBias(attentionBias).withOBias(attentionBias))
                .withMlpBias(c.bool("mlp_bias", false))
                .withActivation(Families.activation(c, "hidden_act", llama.activation())));
    }
}
