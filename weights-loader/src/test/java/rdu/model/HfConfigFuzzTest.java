package rdu.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static rdu.model.OneLineError.assertReturnsOrRefuses;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes as config.json, read alone (every Llama-like architecture) and as the config of a model directory holding
 * stories260K's weights and tokenizer: a model, or one line. The corpus (HfConfigFuzzTestInputs) holds the shared
 * models' and some catalog configs; {@code scripts/fuzz config} looks for more.
 */
class HfConfigFuzzTest {

    @TempDir
    Path model;

    @BeforeEach
    void copyWeightsAndTokenizer() throws IOException {
        for (String name : new String[] {"model.safetensors", "tokenizer.json"}) {
            Files.copy(SharedFiles.model("stories260K-hf/" + name), model.resolve(name));
        }
    }

    @FuzzTest
    @Timeout(10)
    void readAnyConfig(byte[] bytes) throws IOException {
        Path config = Files.write(model.resolve("config.json"), bytes);
        assertReturnsOrRefuses(CheckpointException.class, bytes, () -> HfConfig.read(config, HfConfig.LLAMA_LIKE));
        assertReturnsOrRefuses(CheckpointException.class, bytes, () -> {
            try (Checkpoint checkpoint = Checkpoint.open(model)) {
                assertEquals(checkpoint.config().vocabSize(), checkpoint.tokenizer().vocabSize());
            }
        });
    }
}
