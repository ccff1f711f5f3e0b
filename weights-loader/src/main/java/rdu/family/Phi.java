package rdu.family;

import rdu.activation.ActivationFunction;
import rdu.family.WeightNames.Role;
import rdu.model.ConfigJson;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;

/**
 * Phi-1.5 and Phi-2 (PhiForCausalLM): one LayerNorm feeds attention and a plain MLP (fc1, GELU, fc2) side by side,
 * whose outputs are added to the residual together; RoPE turns the first partial_rotary_factor of each head (0.5
 * unless given); q, k, v, dense (the output projection), fc1, fc2 and lm_head have biases.
 */
final class Phi {

    private Phi() {
    }

    static ModelConfig read(ConfigJson c, String architecture) {
        if (c.bool("qk_layernorm", false)) {
            throw c.error("qk_layernorm", "false (LayerNorms on q and k are not supported)");
        }
        ModelConfig config = HfConfig.decoder(c, architecture)
                .withNormEps((float) c.positive("layer_norm_eps", 1e-5));
        Family phi = config.family();
        double rotary = c.has("partial_rotary_factor") ? phi.attention().rotaryFraction() : 0.5; // PhiConfig's
        WeightNames names = phi.names().with(Role.O, "self_attn.dense").without(Role.FFN_NORM).without(Role.GATE)
                .with(Role.UP, "mlp.fc1").with(Role.DOWN, "mlp.fc2").with(Role.FINAL_NORM, "model.final_layernorm");
        return config.withFamily(phi.withNames(names)
                .withNorm(Family.Norm.LAYER)
                .withActivation(Families.activation(c, "hidden_act", ActivationFunction.GELU_TANH))
                .withMlp(Family.MlpKind.PLAIN)
                .withMlpBias(true)
                .withAttention(phi.attention().withQkvBias(true).withOBias(true).withRotaryFraction(rotary))
                .withParallelBlock(true)
                .withLmHeadBias(true));
    }
}
