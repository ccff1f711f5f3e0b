package rdu.family;

import rdu.family.WeightNames.Role;
import rdu.model.ConfigJson;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;

/**
 * Phi-3 (Phi3ForCausalLM): Llama with q, k and v in one qkv_proj and gate and up in one gate_up_proj (split at
 * load), LongRoPE scaling (rope_scaling "longrope" or "su", read for every family) and a sliding window on every
 * layer when sliding_window is set.
 */
final class Phi3 {

    private Phi3() {
    }

    static ModelConfig read(ConfigJson c, String architecture) {
        ModelConfig config = HfConfig.decoder(c, architecture).withNormEps((float) c.positive("rms_norm_eps", 1e-5));
        Family phi3 = config.family();
        WeightNames names = phi3.names().without(Role.Q).without(Role.K).without(Role.V)
                .with(Role.QKV, "self_attn.qkv_proj").without(Role.GATE).without(Role.UP)
                .with(Role.GATE_UP, "mlp.gate_up_proj");
        return config.withFamily(phi3.withNames(names)
                .withAttention(phi3.attention().withWindows(Families.windows(c, config.numLayers(), l -> true, 0)))
                .withActivation(Families.activation(c, "hidden_act", phi3.activation())));
    }
}
