package rdu.family;

import java.util.Set;
import rdu.family.WeightNames.Role;
import rdu.model.ConfigJson;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;

/**
 * Mixtral (MixtralForCausalLM): Mistral whose every MLP is a sparse Mixture-of-Experts block: num_local_experts
 * experts of intermediate_size, num_experts_per_tok of them per token, their router probabilities renormalised to sum
 * to 1.
 */
final class Mixtral {

    private Mixtral() {
    }

    static ModelConfig read(ConfigJson c, String architecture) {
        ModelConfig config = HfConfig.decoder(c, architecture).withNormEps((float) c.positive("rms_norm_eps", 1e-5));
        Family mixtral = config.family();
        String moe = "block_sparse_moe.";
        WeightNames names = mixtral.names().without(Role.GATE).without(Role.UP).without(Role.DOWN)
                .with(Role.ROUTER, moe + "gate")
                .with(Role.EXPERT_GATE, moe + "experts.%d.w1")
                .with(Role.EXPERT_UP, moe + "experts.%d.w3")
                .with(Role.EXPERT_DOWN, moe + "experts.%d.w2");
        int experts = c.integer("num_local_experts", 1);
        int topK = Families.topK(c, "num_experts_per_tok", "num_local_experts", experts);
        return config.withFamily(mixtral.withNames(names)
                .withMoe(new MixtureOfExperts(experts, topK, true, config.intermediateSize(), 0, Set.of()))
                .withAttention(mixtral.attention().withWindows(Families.windows(c, config.numLayers(), l -> true, 0)))
                .withActivation(Families.activation(c, "hidden_act", mixtral.activation())));
    }
}
