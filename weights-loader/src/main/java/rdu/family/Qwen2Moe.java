package rdu.family;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Set;
import rdu.family.WeightNames.Role;
import rdu.model.ConfigJson;
import rdu.model.ModelConfig;

/**
 * Qwen1.5-MoE and Qwen2-MoE (Qwen2MoeForCausalLM): Qwen2's attention, and a sparse Mixture-of-Experts block in every
 * decoder_sparse_step-th layer but those mlp_only_layers lists (which keep a dense MLP of intermediate_size):
 * num_experts experts of moe_intermediate_size, num_experts_per_tok per token, renormalised when norm_topk_prob; a
 * shared expert of shared_expert_intermediate_size behind a sigmoid gate takes every token.
 */
final class Qwen2Moe {

    private Qwen2Moe() {
    }

    static ModelConfig read(ConfigJson c, String architecture) {
        ModelConfig config = Qwen2.read(c, architecture);
        Family qwen = config.family();
        int experts = c.integer("num_experts", 1);
        int topK = Families.topK(c, "num_experts_per_tok", "num_experts", experts);
        int step = c.integer("decoder_sparse_step", 1, 1);
        Set<Integer> dense = new HashSet<>(mlpOnlyLayers(c, config.numLayers()));
        for (int l = 0; l < config.numLayers(); l++) {
            if ((l + 1) % step != 0) {
                dense.add(l);
            }
        }
        var moe = new MixtureOfExperts(experts, topK, c.bool("norm_topk_prob", false),
                c.integer("moe_intermediate_size", 1), c.integer("shared_expert_intermediate_size", 1), dense);
        WeightNames names = qwen.names()
                .with(Role.ROUTER, "mlp.gate")
                .with(Role.EXPERT_GATE, "mlp.experts.%d.gate_proj")
                .with(Role.EXPERT_UP, "mlp.experts.%d.up_proj")
                .with(Role.EXPERT_DOWN, "mlp.experts.%d.down_proj")
                .with(Role.SHARED_GATE, "mlp.shared_expert.gate_proj")
                .with(Role.SHARED_UP, "mlp.shared_expert.up_proj")
                .with(Role.SHARED_DOWN, "mlp.shared_expert.down_proj")
                .with(Role.SHARED_EXPERT_GATE, "mlp.shared_expert_gate");
        return config.withFamily(qwen.withMoe(moe).withNames(names));
    }

    /** mlp_only_layers: layer numbers below num_hidden_layers. */
    private static Set<Integer> mlpOnlyLayers(ConfigJson c, int layers) {
        JsonNode list = c.get("mlp_only_layers");
        Set<Integer> dense = new HashSet<>();
        if (!c.has("mlp_only_layers")) {
            return dense;
        }
        if (!list.isArray()) {
            throw c.error("mlp_only_layers", "a list of layer numbers below num_hidden_layers (" + layers + ")");
        }
        for (JsonNode n : list) {
            if (!n.isIntegralNumber() || n.intValue() < 0 || n.intValue() >= layers) {
                throw c.error("mlp_only_layers", "a list of layer numbers below num_hidden_layers (" + layers + ")");
            }
            dense.add(n.intValue());
        }
        return dense;
    }
}
