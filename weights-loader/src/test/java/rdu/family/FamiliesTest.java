package rdu.family;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import rdu.activation.ActivationFunction;
import rdu.model.CheckpointException;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;
import rdu.rope.RopeScaling;

/** Each family's config.json fields become its choices; a field that is wrong is named in one line. */
class FamiliesTest {

    @TempDir
    Path dir;

    /** The fields every Llama-style config has; {@code extra} adds or replaces fields ("key": value, ...). */
    private ModelConfig read(String architecture, String extra) throws IOException {
        return HfConfig.read(config(architecture, extra));
    }

    private Path config(String architecture, String extra) throws IOException {
        String json = "{\"architectures\": [\"" + architecture + "\"], \"hidden_size\": 64, \"intermediate_size\": 96,"
                + " \"num_hidden_layers\": 4, \"num_attention_heads\": 4, \"num_key_value_heads\": 2,"
                + " \"vocab_size\": 100, \"max_position_embeddings\": 64" + (extra.isEmpty() ? "" : ", " + extra) + "}";
        return Files.writeString(dir.resolve("config.json"), json);
    }

    @Test
    void llamaTakesItsBiasesAndActivationFromTheConfig() throws IOException {
        assertEquals(Family.LLAMA, read("LlamaForCausalLM", "").family());
        Family biased = read("LlamaForCausalLM", "\"attention_bias\": true, \"mlp_bias\": true").family();
        assertTrue(biased.attention().qkvBias() && biased.attention().oBias() && biased.mlpBias());
        assertEquals(ActivationFunction.GELU, read("LlamaForCausalLM", "\"hidden_act\": \"gelu\"").family()
                .activation());
        assertEquals(24, read("LlamaForCausalLM", "\"head_dim\": 24").headDim(), "head_dim need not be hidden/heads");
    }

    @Test
    void everyRopeScalingTypeIsRead() throws IOException {
        assertEquals(new RopeScaling.Linear(4), read("LlamaForCausalLM",
                "\"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 4}").ropeScaling());
        ModelConfig dynamic = read("LlamaForCausalLM", "\"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2}");
        assertEquals(new RopeScaling.Dynamic(2, 64), dynamic.ropeScaling());
        assertEquals(128, dynamic.maxPositions(), "dynamic NTK reaches factor times max_position_embeddings");
        var yarn = assertInstanceOf(RopeScaling.Yarn.class, read("LlamaForCausalLM",
                "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4, \"original_max_position_embeddings\": 16}")
                .ropeScaling());
        assertEquals(new RopeScaling.Yarn(4, 16, 32, 1, 0.1 * Math.log(4) + 1, true), yarn);
    }

    @Test
    void qwen2HasQkvBiasesAndSlidingLayersOnlyWhenAsked() throws IOException {
        Family plain = read("Qwen2ForCausalLM", "\"sliding_window\": 8, \"max_window_layers\": 2").family();
        assertTrue(plain.attention().qkvBias() && !plain.attention().oBias());
        assertEquals(List.of(), plain.attention().windows(), "use_sliding_window is false by default");
        Family sliding = read("Qwen2ForCausalLM",
                "\"sliding_window\": 8, \"max_window_layers\": 2, \"use_sliding_window\": true").family();
        assertEquals(List.of(0, 0, 8, 8), sliding.attention().windows());
    }

    @Test
    void mistralSlidesEveryLayerAndLayerTypesOverrideAFamilysRule() throws IOException {
        assertEquals(List.of(16, 16, 16, 16), read("MistralForCausalLM", "\"sliding_window\": 16").family()
                .attention().windows());
        assertEquals(List.of(), read("MistralForCausalLM", "\"sliding_window\": null").family().attention().windows());
        assertEquals(List.of(0, 16, 16, 0), read("MistralForCausalLM", "\"sliding_window\": 16, \"layer_types\": "
                + "[\"full_attention\", \"sliding_attention\", \"sliding_attention\", \"full_attention\"]")
                .family().attention().windows());
    }

    @Test
    void gemmaAndGemma2() throws IOException {
        ModelConfig gemma = read("GemmaForCausalLM", "\"hidden_act\": \"gelu_pytorch_tanh\"");
        assertEquals(Family.Norm.RMS_ONE_PLUS, gemma.family().norm());
        assertEquals(8f, gemma.family().embeddingScale(), "sqrt(64)");
        assertEquals(ActivationFunction.GELU_TANH, gemma.family().activation());
        assertTrue(gemma.tiedEmbeddings(), "Gemma ties by default");

        Family gemma2 = read("Gemma2ForCausalLM", "\"sliding_window\": 4, \"query_pre_attn_scalar\": 32,"
                + " \"attn_logit_softcapping\": 20.0, \"final_logit_softcapping\": null").family();
        assertEquals(List.of(4, 0, 4, 0), gemma2.attention().windows(), "every other layer from the first");
        assertEquals(20f, gemma2.attention().softCap());
        assertEquals(0f, gemma2.finalSoftCap(), "null: no cap");
        assertEquals((float) Math.sqrt(32), gemma2.scores(0, 16).divisor());
        assertTrue(gemma2.postNorms());
        assertEquals("model.layers.1.pre_feedforward_layernorm", gemma2.names().of(WeightNames.Role.FFN_NORM, 1));
        assertEquals(30f, read("Gemma2ForCausalLM", "").family().finalSoftCap(), "absent: Gemma2Config's default");
    }

    @Test
    void phi3PhiAndStarcoder2() throws IOException {
        WeightNames phi3 = read("Phi3ForCausalLM", "").family().names();
        assertEquals("model.layers.0.self_attn.qkv_proj", phi3.of(WeightNames.Role.QKV, 0));
        assertEquals("model.layers.0.mlp.gate_up_proj", phi3.of(WeightNames.Role.GATE_UP, 0));
        assertFalse(phi3.has(WeightNames.Role.Q), "q, k and v come from qkv_proj");

        Family phi = read("PhiForCausalLM", "").family();
        assertTrue(phi.parallelBlock() && phi.lmHeadBias() && phi.mlpBias() && phi.attention().oBias());
        assertEquals(0.5, phi.attention().rotaryFraction(), "PhiConfig's partial_rotary_factor");
        assertEquals(Family.Norm.LAYER, phi.norm());
        assertEquals(Family.MlpKind.PLAIN, phi.mlp());

        ModelConfig starcoder = read("Starcoder2ForCausalLM", "\"use_bias\": false, \"norm_epsilon\": 0.001,"
                + " \"sliding_window\": 8");
        assertFalse(starcoder.family().attention().qkvBias() || starcoder.family().mlpBias());
        assertEquals(0.001f, starcoder.rmsNormEps());
        assertEquals(List.of(8, 8, 8, 8), starcoder.family().attention().windows());
        assertTrue(starcoder.tiedEmbeddings(), "StarCoder2 ties by default");
    }

    @Test
    void mixtralAndQwen2MoeReadTheirExperts() throws IOException {
        MixtureOfExperts mixtral = read("MixtralForCausalLM", "\"num_local_experts\": 8, \"num_experts_per_tok\": 2")
                .family().moe();
        assertEquals(new MixtureOfExperts(8, 2, true, 96, 0, Set.of()), mixtral);

        MixtureOfExperts qwen = read("Qwen2MoeForCausalLM", "\"num_experts\": 4, \"num_experts_per_tok\": 2,"
                + " \"moe_intermediate_size\": 16, \"shared_expert_intermediate_size\": 32,"
                + " \"decoder_sparse_step\": 2, \"mlp_only_layers\": [3]").family().moe();
        assertEquals(new MixtureOfExperts(4, 2, false, 16, 32, Set.of(0, 2, 3)), qwen,
                "every 2nd layer from layer 1 is sparse, but 3 is in mlp_only_layers");
        assertTrue(qwen.isSparse(1) && !qwen.isSparse(3));
    }

    @Test
    void unsupportedArchitecturesListTheSupportedOnes() throws IOException {
        var e = assertThrows(CheckpointException.class, () -> read("FalconForCausalLM", ""));
        for (String supported : Families.supported()) {
            assertTrue(e.getMessage().contains(supported), e.getMessage());
        }
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            MistralForCausalLM | "sliding_window": 0              | sliding_window: expected a positive integer, found 0
            LlamaForCausalLM   | "hidden_act": "relu"             | hidden_act: expected one of "silu", "gelu"
            LlamaForCausalLM   | "attention_bias": 1              | attention_bias: expected true or false, found 1
            Gemma2ForCausalLM  | "attn_logit_softcapping": -1     | attn_logit_softcapping: expected a positive number
            Gemma2ForCausalLM  | "layer_types": ["full_attention"] | layer_types: expected a list of num_hidden_layers (4)
            LlamaForCausalLM   | "partial_rotary_factor": 1.5     | partial_rotary_factor: expected at most 1
            PhiForCausalLM     | "qk_layernorm": true             | qk_layernorm: expected false
            MixtralForCausalLM | "num_experts_per_tok": 2          | num_local_experts: expected a positive integer, found no such field
            MixtralForCausalLM | "num_local_experts": 2, "num_experts_per_tok": 3 | num_experts_per_tok: expected at most num_local_experts (2), found 3
            Qwen2MoeForCausalLM | "num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 8 | shared_expert_intermediate_size: expected a positive integer, found no such field
            Qwen2MoeForCausalLM | "num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 8, "shared_expert_intermediate_size": 8, "mlp_only_layers": [4] | mlp_only_layers: expected a list of layer numbers below num_hidden_layers (4)
            LlamaForCausalLM   | "rope_scaling": {"rope_type": "linear"} | rope_scaling.factor: expected a positive number, found no such field
            """)
    void badFieldsAreNamed(String architecture, String field, String message) throws IOException {
        Path file = config(architecture, field);
        var e = assertThrows(CheckpointException.class, () -> HfConfig.read(file));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
