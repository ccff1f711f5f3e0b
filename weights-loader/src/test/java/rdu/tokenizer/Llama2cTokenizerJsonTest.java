package rdu.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;
import rdu.model.SharedFiles;

class Llama2cTokenizerJsonTest {

    @TempDir
    Path dir;

    @Test
    void stories260KGivesTheTokenizerJsonOfThePythonConverter() {
        // stories260K-hf/tokenizer.json was written by ../shared/tools/llama2c_to_hf.py from the same tok512.bin
        var expected = CheckpointFiles.readJsonObject(SharedFiles.model("stories260K-hf/tokenizer.json"));
        var converted = Llama2cTokenizerJson.of(SharedFiles.model("stories260K/tok512.bin"), 512);
        assertEquals(expected.path("model").path("merges"), converted.path("model").path("merges"));
        assertEquals(expected, converted);
    }

    @Test
    void theConvertedTokenizerEncodesLikeRunC() throws IOException {
        Path bin = SharedFiles.model("stories260K/tok512.bin");
        Path json = Files.writeString(dir.resolve("tokenizer.json"), Llama2cTokenizerJson.of(bin, 512).toString());
        try (var hf = HfTokenizer.open(json, 512); var runC = Llama2cTokenizer.read(bin, 512)) {
            for (String text : new String[] {"Once upon a time", "The little dog ran to the park, and he was happy!",
                    "Zoë's café: 42 ☃"}) {
                assertEquals(Arrays.toString(runC.encode(text)), Arrays.toString(hf.encode(text)),
                        text);
            }
        }
    }

    @Test
    void aPieceThatTwoIdsShareIsRefusedNamingBoth() throws IOException {
        Map<String, Float> extra = new LinkedHashMap<>();
        extra.put(" ", 0f);
        extra.put("<0x41>", -1f); // the byte piece of 'A' again, as id 260
        Path file = Llama2cTokenizerTest.tokenizerFile(dir, extra);
        var e = assertThrows(CheckpointException.class, () -> Llama2cTokenizerJson.of(file, 261));
        assertTrue(e.getMessage().contains("token 260") && e.getMessage().contains("token 68"), e.getMessage());
    }
}
