package rdu.family;

import rdu.activation.ActivationFunction;
import rdu.family.WeightNames.Role;
import rdu.model.ConfigJson;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;

/**
 * StarCoder2 (Starcoder2ForCausalLM): LayerNorm with bias (norm_epsilon), biases on q, k, v, o and the plain GELU MLP
 * (c_fc, c_proj) when use_bias is set (the default), a sliding window on every layer, tied embeddings by default.
 */
final class Starcoder2 {

    private Starcoder2() {
    }

    static ModelConfig read(ConfigJson c, String architecture) {
        ModelConfig config = HfConfig.decoder(c, architecture)
                .withNormEps((float) c.positive("norm_epsilon", 1e-5))
                .withTiedEmbeddings(c.bool("tie_word_embeddings", true));
        Family starcoder = config.family();
        boolean bias = c.bool("use_bias", true);
        WeightNames names = starcoder.names().without(Role.GATE).with(Role.UP, "mlp.c_fc")
                .with(Role.DOWN, "mlp.c_proj");
        return config.withFamily(starcoder.withNames(names)
                .withNorm(Family.Norm.LAYER)
                .withActivation(Families.activation(c, "hidden_act", ActivationFunction.GELU_TANH))
                .withMlp(Family.MlpKind.PLAIN)
                .withMlpBias(bias)
                .withAttention(starcoder.attention().withQkvBias(bias).withOBias(bias)
                        .withWindows(Families.windows(c, config.numLayers(), l -> true, 0))));
    }
}
