package rdu.chip;

import static rdu.model.OneLineError.assertReturnsOrRefuses;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes as a chip file: a chip, or one line. The corpus (ChipFileFuzzTestInputs) holds the shipped chips;
 * {@code scripts/fuzz chip} looks for more.
 */
class ChipFileFuzzTest {

    @TempDir
    Path dir;

    @FuzzTest
    @Timeout(10)
    void loadAnyChip(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve("chip.json"), bytes);
        assertReturnsOrRefuses(ChipException.class, bytes, () -> ChipFile.load(file.toString()));
    }
}
