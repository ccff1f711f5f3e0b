package rdu.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes as the tokenizer.json of a 512-token model: a tokenizer that encodes and decodes, or one line. The corpus
 * (HfTokenizerFuzzTestInputs) holds the shared models' tokenizer.json; {@code scripts/fuzz tokenizer-json} looks for more.
 */
class HfTokenizerFuzzTest {

    @TempDir
    Path dir;

    @FuzzTest
    @Timeout(10)
    void loadEncodeDecode(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve("tokenizer.json"), bytes);
        TokenizerProbe.loadEncodeDecode(bytes, () -> HfTokenizer.open(file, 512));
    }
}
