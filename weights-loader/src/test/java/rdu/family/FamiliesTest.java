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
    void unsupportedArchitecturesListTheSupportedOnes() throws IOException {
        var e = assertThrows(CheckpointException.class, () -> read("FalconForCausalLM", ""));
        for (String supported : Families.supported()) {
            assertTrue(e.getMessage().contains(supported), e.getMessage());
        }
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            LlamaForCausalLM   | "hidden_act": "relu"             | hidden_act: expected one of "silu", "gelu"
            LlamaForCausalLM   | "attention_bias": 1              | attention_bias: expected true or false, found 1
            LlamaForCausalLM   | "partial_rotary_factor": 1.5     | partial_rotary_factor: expected at most 1
            LlamaForCausalLM   | "rope_scaling": {"rope_type": "linear"} | rope_scaling.factor: expected a positive number, found no such field
            """)
    void badFieldsAreNamed(String architecture, String field, String message) throws IOException {
        Path file = config(architecture, field);
        var e = assertThrows(CheckpointException.class, () -> HfConfig.read(file));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
