package rdu.family;

import java.util.List;
import rdu.activation.ActivationFunction;
import rdu.family.WeightNames.Role;
import rdu.model.CheckpointException;
import rdu.model.ConfigJson;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;

/**
 * GPT-2 (GPT2LMHeadModel): learned position embeddings added to the token's, LayerNorm with bias, q, k and v in one
 * c_attn, biases on every projection, a plain MLP of n_inner (4 * n_embd unless given) with activation_function,
 * lm_head tied to wte. Its config.json has names of its own (n_embd, n_layer, n_head, n_positions); its projections
 * are Conv1D weights, stored [in, out], and its tensors are named with or without "transformer." before them.
 */
final class Gpt2 {

    /** GPT-2's tensor names, after "transformer." (which some exports leave out); lm_head keeps Llama's name. */
    static final WeightNames NAMES = WeightNames.LLAMA
            .without(Role.Q).without(Role.K).without(Role.V).without(Role.GATE)
            .with(Role.EMBEDDING, "wte").with(Role.POSITION_EMBEDDING, "wpe")
            .with(Role.ATTENTION_NORM, "ln_1").with(Role.QKV, "attn.c_attn").with(Role.O, "attn.c_proj")
            .with(Role.FFN_NORM, "ln_2").with(Role.UP, "mlp.c_fc").with(Role.DOWN, "mlp.c_proj")
            .with(Role.FINAL_NORM, "ln_f")
            .withLayerPrefix("h.").withOptionalPrefix("transformer.").withConv1d(true);

    private Gpt2() {
    }

    static ModelConfig read(ConfigJson c, String architecture) {
        if (c.bool("scale_attn_by_inverse_layer_idx", false)) {
            throw c.error("scale_attn_by_inverse_layer_idx", "false (scores scaled by layer are not supported)");
        }
        int hidden = c.integer("n_embd", 1);
        int layers = c.integer("n_layer", 1);
        int heads = c.integer("n_head", 1);
        int vocab = c.integer("vocab_size", 1);
        int positions = c.integer("n_positions", 1);
        if (hidden % heads != 0) {
            throw new CheckpointException(c.file(), "n_embd", "a multiple of n_head (" + heads + ")",
                    String.valueOf(hidden));
        }
        int inner = c.integer("n_inner", 1, 4 * hidden);
        boolean tied = c.bool("tie_word_embeddings", true);
        HfConfig.checkSizes(c.file(), hidden, inner, layers, hidden, hidden, vocab, positions, tied);
        // scale_attn_weights false: scores are not divided at all, as by sqrt(1)
        float queryScalar = c.bool("scale_attn_weights", true) ? 0 : 1;
        Family gpt2 = Family.LLAMA
                .withNorm(Family.Norm.LAYER)
                .withActivation(Families.activation(c, "activation_function", ActivationFunction.GELU_TANH))
                .withMlp(Family.MlpKind.PLAIN)
                .withMlpBias(true)
                .withAttention(Family.LLAMA.attention().withQkvBias(true).withOBias(true)
                        .withQueryScalar(queryScalar))
                .withPositions(Family.Positions.LEARNED)
                .withNames(NAMES);
        return new ModelConfig(architecture, hidden, inner, layers, heads, heads, hidden / heads, vocab, positions,
                (float) c.positive("layer_norm_epsilon", 1e-5), 10000, null, tied,
                HfConfig.bosTokenId(c, vocab, 50256), HfConfig.eosTokenIds(c, vocab, List.of(50256)), gpt2);
    }
}
