package rdu.family;

import rdu.family.WeightNames.Role;
import rdu.model.ConfigJson;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;

/**
 * Gemma 2 (Gemma2ForCausalLM): Gemma with four norms a layer (the attention and feed-forward outputs are normed
 * again before their residual adds), attention scores divided by sqrt(query_pre_attn_scalar) and soft-capped at
 * attn_logit_softcapping, logits soft-capped at final_logit_softcapping, and a sliding window on every other layer
 * from the first. Absent fields take Gemma2Config's defaults (256, 50, 30, a 4096 window); null caps and windows
 * mean none.
 */
final class Gemma2 {

    private Gemma2() {
    }

    static ModelConfig read(ConfigJson c, String architecture) {
        ModelConfig config = HfConfig.decoder(c, architecture).withTiedEmbeddings(c.bool("tie_word_embeddings", true));
        Family gemma = Gemma.family(c, config);
        var attention = gemma.attention()
                .withWindows(Families.windows(c, config.numLayers(), l -> l % 2 == 0, 4096))
                .withSoftCap((float) softCap(c, "attn_logit_softcapping", 50))
                .withQueryScalar((float) c.positive("query_pre_attn_scalar", 256));
        WeightNames names = gemma.names()
                .with(Role.POST_ATTENTION_NORM, "post_attention_layernorm")
                .with(Role.FFN_NORM, "pre_feedforward_layernorm")
                .with(Role.POST_FFN_NORM, "post_feedforward_layernorm");
        return config.withFamily(gemma.withAttention(attention).withPostNorms(true).withNames(names)
                .withFinalSoftCap((float) softCap(c, "final_logit_softcapping", 30)));
    }

    /** A soft-cap: 0 (none) when the field is null, Gemma2Config's default when it is absent. */
    private static double softCap(ConfigJson c, String field, double absent) {
        return c.get(field).isNull() ? 0 : c.positive(field, absent);
    }
}
