package rdu.family;

import rdu.activation.ActivationFunction;
import rdu.model.ConfigJson;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;

/**
 * Gemma (GemmaForCausalLM): Llama with RMSNorm scaled by (1 + weight), the token embedding multiplied by
 * sqrt(hidden_size), GeGLU with tanh-approximate GELU (hidden_activation, else hidden_act), tied embeddings.
 */
final class Gemma {

    private Gemma() {
    }

    static ModelConfig read(ConfigJson c, String architecture) {
        ModelConfig config = HfConfig.decoder(c, architecture).withTiedEmbeddings(c.bool("tie_word_embeddings", true));
        return config.withFamily(family(c, config));
    }

    /** Gemma's choices, which Gemma 2 builds on. */
    static Family family(ConfigJson c, ModelConfig config) {
        String field = c.has("hidden_activation") ? "hidden_activation" : "hidden_act";
        return config.family()
                .withNorm(Family.Norm.RMS_ONE_PLUS)
                .withActivation(Families.activation(c, field, ActivationFunction.GELU_TANH))
                .withEmbeddingScale((float) Math.sqrt(config.hiddenSize()));
    }
}
