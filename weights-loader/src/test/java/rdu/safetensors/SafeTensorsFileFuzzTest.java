package rdu.safetensors;

import static rdu.model.OneLineError.assertReturnsOrRefuses;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import rdu.model.CheckpointException;

/**
 * Any bytes as a .safetensors file: opened, or refused with one line. The corpus (SafeTensorsFileFuzzTestInputs) holds
 * the shared models' headers without their data; {@code scripts/fuzz safetensors} looks for more.
 */
class SafeTensorsFileFuzzTest {

    @TempDir
    Path dir;

    @FuzzTest
    @Timeout(10)
    void openAnyFile(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve("model.safetensors"), bytes);
        assertReturnsOrRefuses(CheckpointException.class, bytes, () -> {
            try (Arena arena = Arena.ofConfined()) {
                SafeTensorsFile.open(file, arena);
            }
        });
    }
}
