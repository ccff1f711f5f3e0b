package rdu.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes as the tokenizer.bin of a 512-token llama2.c model: a tokenizer that encodes and decodes, or one line.
 * The corpus (Llama2cTokenizerFuzzTestInputs) holds the shared tok512.bin; {@code scripts/fuzz tokenizer-bin} looks
 * for more.
 */
class Llama2cTokenizerFuzzTest {

    @TempDir
    Path dir;

    @FuzzTest
    @Timeout(10)
    void readEncodeDecode(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve("tokenizer.bin"), bytes);
        TokenizerProbe.loadEncodeDecode(bytes, () -> Llama2cTokenizer.read(file, 512));
    }
}
