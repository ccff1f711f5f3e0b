package rdu.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import rdu.family.Family;
import rdu.rope.RopeScaling;

class HfConfigTest {

    @TempDir
    Path dir;

    static final String TINYLLAMA = """
            {
              "architectures": ["LlamaForCausalLM"],
              "attention_bias": false,
              "bos_token_id": 1,
              "eos_token_id": 2,
              "hidden_act": "silu",
              "hidden_size": 2048,
              "initializer_range": 0.02,
              "intermediate_size": 5632,
              "max_position_embeddings": 2048,
              "model_type": "llama",
              "num_attention_heads": 32,
              "num_hidden_layers": 22,
              "num_key_value_heads": 4,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_scaling": null,
              "rope_theta": 10000.0,
              "tie_word_embeddings": false,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.35.0",
              "use_cache": true,
              "vocab_size": 32000
            }""";

    static final String SMOLLM = """
            {
              "architectures": ["LlamaForCausalLM"],
              "attention_bias": false,
              "attention_dropout": 0.0,
              "bos_token_id": 0,
              "eos_token_id": 0,
              "hidden_act": "silu",
              "hidden_size": 576,
              "initializer_range": 0.02,
              "intermediate_size": 1536,
              "max_position_embeddings": 2048,
              "model_type": "llama",
              "num_attention_heads": 9,
              "num_hidden_layers": 30,
              "num_key_value_heads": 3,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_scaling": null,
              "rope_theta": 10000.0,
              "tie_word_embeddings": true,
              "torch_dtype": "float32",
              "transformers_version": "4.40.1",
              "use_cache": true,
              "vocab_size": 49152
            }""";

    static final String LLAMA_3_2_1B = """
            {
              "architectures": ["LlamaForCausalLM"],
              "attention_bias": false,
              "attention_dropout": 0.0,
              "bos_token_id": 128000,
              "eos_token_id": 128001,
              "head_dim": 64,
              "hidden_act": "silu",
              "hidden_size": 2048,
              "initializer_range": 0.02,
              "intermediate_size": 8192,
              "max_position_embeddings": 131072,
              "mlp_bias": false,
              "model_type": "llama",
              "num_attention_heads": 32,
              "num_hidden_layers": 16,
              "num_key_value_heads": 8,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_scaling": {
                "factor": 32.0,
                "high_freq_factor": 4.0,
                "low_freq_factor": 1.0,
                "original_max_position_embeddings": 8192,
                "rope_type": "llama3"
              },
              "rope_theta": 500000.0,
              "tie_word_embeddings": true,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.45.0.dev0",
              "use_cache": true,
              "vocab_size": 128256
            }""";

    /** Only the required fields: everything else takes LlamaConfig's defaults. */
    static final String MINIMAL = """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 172,
             "num_hidden_layers": 5, "num_attention_heads": 8, "vocab_size": 512, "max_position_embeddings": 512}""";

    @Test
    void stories260K() {
        ModelConfig c = HfConfig.read(SharedFiles.model("stories260K-hf/config.json"));
        assertEquals(new ModelConfig("LlamaForCausalLM", 64, 172, 5, 8, 4, 8, 512, 512, 1e-5f, 10000, null, true, 1,
                List.of(1, 2), Family.LLAMA), c,
                "eos_token_id [1, 2] comes from generation_config.json, over config.json's 2");
    }

    @Test
    void tinyLlama() throws IOException {
        assertEquals(new ModelConfig("LlamaForCausalLM", 2048, 5632, 22, 32, 4, 64, 32000, 2048, 1e-5f, 10000, null,
                false, 1, List.of(2), Family.LLAMA), HfConfig.read(config(TINYLLAMA)));
    }

    @Test
    void smolLm() throws IOException {
        ModelConfig c = HfConfig.read(config(SMOLLM));
        assertEquals(new ModelConfig("LlamaForCausalLM", 576, 1536, 30, 9, 3, 64, 49152, 2048, 1e-5f, 10000, null,
                true, 0, List.of(0), Family.LLAMA), c);
        assertEquals(192, c.kvDim());
        assertEquals(576, c.qDim());
    }

    @Test
    void llama32WithGenerationConfigEos() throws IOException {
        Path file = config(LLAMA_3_2_1B);
        ModelConfig c = HfConfig.read(file);
        assertEquals(new ModelConfig("LlamaForCausalLM", 2048, 8192, 16, 32, 8, 64, 128256, 131072, 1e-5f, 500000,
                new RopeScaling.Llama3(32, 1, 4, 8192), true, 128000, List.of(128001), Family.LLAMA), c);

        Files.writeString(dir.resolve("generation_config.json"), """
                {"bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "do_sample": true}""");
        assertEquals(List.of(128001, 128008, 128009), HfConfig.read(file).eosTokenIds());
    }

    @Test
    void generationConfigWithoutEosKeepsConfigEos() throws IOException {
        Path file = config(TINYLLAMA);
        Files.writeString(dir.resolve("generation_config.json"), """
                {"bos_token_id": 1, "max_length": 2048}""");
        assertEquals(List.of(2), HfConfig.read(file).eosTokenIds());
    }

    @Test
    void absentOptionalFieldsTakeLlamaConfigDefaults() throws IOException {
        assertEquals(new ModelConfig("LlamaForCausalLM", 64, 172, 5, 8, 8, 8, 512, 512, 1e-6f, 10000, null, false, 1,
                List.of(2), Family.LLAMA), HfConfig.read(config(MINIMAL)));
    }

    @Test
    void nullOptionalFieldsCountAsAbsent() throws IOException {
        ModelConfig c = HfConfig.read(config(MINIMAL.replace("}", """
                , "num_key_value_heads": null, "head_dim": null, "rope_theta": null, "bos_token_id": null}""")));
        assertEquals(8, c.numKvHeads());
        assertEquals(8, c.headDim());
        assertEquals(1, c.bosTokenId());
    }

    @Test
    void ropeScalingTypeKeyAndDefaultType() throws IOException {
        String legacyKey = LLAMA_3_2_1B.replace("\"rope_type\": \"llama3\"", "\"type\": \"llama3\"");
        assertEquals(new RopeScaling.Llama3(32, 1, 4, 8192), HfConfig.read(config(legacyKey)).ropeScaling());
        String plain = MINIMAL.replace("}", ", \"rope_scaling\": {\"rope_type\": \"default\"}}");
        assertNull(HfConfig.read(config(plain)).ropeScaling());
    }

    @ParameterizedTest
    @ValueSource(strings = {"architectures", "hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "vocab_size", "max_position_embeddings"})
    void missingRequiredFieldIsNamed(String field) throws IOException {
        String json = MINIMAL.replaceAll("\"" + field + "\": (\\[[^\\]]*]|\\d+),", "")
                .replaceAll(",\\s*\"" + field + "\": \\d+", "");
        assertTrue(!json.contains(field), json);
        assertError(config(json), field + ": expected ", "found no such field");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            "hidden_size": 64           | "hidden_size": "64"           | hidden_size: expected a positive integer, found "64" (string)
            "hidden_size": 64           | "hidden_size": 64.5           | hidden_size: expected a positive integer, found 64.5 (number)
            "hidden_size": 64           | "hidden_size": 0              | hidden_size: expected a positive integer, found 0 (number)
            "num_hidden_layers": 5      | "num_hidden_layers": -5       | num_hidden_layers: expected a positive integer, found -5 (number)
            "vocab_size": 512           | "vocab_size": 99999999999     | vocab_size: expected a positive integer, found 99999999999 (number)
            "num_attention_heads": 8    | "num_attention_heads": 6      | hidden_size: expected a multiple of num_attention_heads (6) when head_dim is absent, found 64
            "num_attention_heads": 8    | "num_attention_heads": 8, "num_key_value_heads": 3 | num_key_value_heads: expected a divisor of num_attention_heads (8), found 3
            "num_attention_heads": 8    | "num_attention_heads": 8, "head_dim": 0 | head_dim: expected a positive integer, found 0 (number)
            "num_attention_heads": 8    | "num_attention_heads": 8, "rms_norm_eps": "1e-5" | rms_norm_eps: expected a positive number, found "1e-5" (string)
            "num_attention_heads": 8    | "num_attention_heads": 8, "rope_theta": -1 | rope_theta: expected a positive number, found -1 (number)
            "num_attention_heads": 8    | "num_attention_heads": 8, "tie_word_embeddings": "yes" | tie_word_embeddings: expected true or false, found "yes" (string)
            "num_attention_heads": 8    | "num_attention_heads": 8, "bos_token_id": 512 | bos_token_id: expected a token id in [0, 512) (vocab_size), found 512 (number)
            "num_attention_heads": 8    | "num_attention_heads": 8, "eos_token_id": [2, -1] | eos_token_id: expected a token id in [0, 512) (vocab_size), found -1 (number)
            "num_attention_heads": 8    | "num_attention_heads": 8, "eos_token_id": [] | eos_token_id: expected a token id or a non-empty list of them, found []
            "num_attention_heads": 8    | "num_attention_heads": 8, "rope_scaling": 2 | rope_scaling: expected null or an object, found 2 (number)
            "num_attention_heads": 8    | "num_attention_heads": 8, "rope_scaling": {"rope_type": "mrope", "factor": 2} | rope_scaling.rope_type: expected one of "default", "linear", "dynamic", "yarn", "llama3", "longrope" (or "su"), found "mrope" (unsupported)
            "num_attention_heads": 8    | "num_attention_heads": 8, "rope_scaling": {"factor": 2} | rope_scaling.rope_type: expected a string, found no such field
            "num_attention_heads": 8    | "num_attention_heads": 8, "rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 1, "high_freq_factor": 4} | rope_scaling.original_max_position_embeddings: expected a positive integer, found no such field
            "num_attention_heads": 8    | "num_attention_heads": 8, "rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 4, "high_freq_factor": 1, "original_max_position_embeddings": 8192} | rope_scaling: invalid llama3 rope_scaling
            "num_attention_heads": 8    | "num_attention_heads": 536870912, "head_dim": 8 | num_attention_heads * head_dim: expected at most 2147483647 (the width of the attention projections), found 536870912 * 8 = 4294967296
            "hidden_size": 64, "intermediate_size": 172 | "hidden_size": 2147483647, "intermediate_size": 2147483647, "head_dim": 8 | sizes: expected weights and a KV cache of at most 2^63 - 1 bytes, found more (hidden_size 2147483647, intermediate_size 2147483647, num_hidden_layers 5, vocab_size 512, max_position_embeddings 512)
            "architectures": ["LlamaForCausalLM"] | "architectures": "LlamaForCausalLM" | architectures: expected a list like ["LlamaForCausalLM"], found "LlamaForCausalLM" (string)
            "architectures": ["LlamaForCausalLM"] | "architectures": ["FalconForCausalLM"] | unsupported architecture FalconForCausalLM (supported: 
            """)
    void badValueNamesFieldExpectedAndFound(String original, String replacement, String message) throws IOException {
        assertTrue(MINIMAL.contains(original));
        assertError(config(MINIMAL.replace(original, replacement)), message);
    }

    @Test
    void badGenerationConfigIsNamed() throws IOException {
        Path file = config(MINIMAL);
        Path generation = Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": \"2\"}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfConfig.read(file));
        assertEquals(generation, e.file());
        assertTrue(e.getMessage().contains("eos_token_id: expected a token id"), e.getMessage());
    }

    @Test
    void unreadableConfigIsNamed() throws IOException {
        assertError(config("{\"hidden_size\": "), "JSON: expected a JSON object, found invalid JSON");
        Path missing = dir.resolve("missing/config.json");
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfConfig.read(missing));
        assertEquals(missing + ": file not found", e.getMessage());
    }

    private Path config(String json) throws IOException {
        return Files.writeString(dir.resolve("config.json"), json);
    }

    private static void assertError(Path file, String... fragments) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfConfig.read(file));
        assertEquals(file, e.file());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
        }
    }
}
