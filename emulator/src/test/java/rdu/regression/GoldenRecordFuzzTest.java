package rdu.regression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static rdu.model.OneLineError.assertReturnsOrRefuses;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes as a golden file: records that write back as they read, or one line. The corpus
 * (GoldenRecordFuzzTestInputs) holds records of the timing snapshot and a line of ../shared/golden;
 * {@code scripts/fuzz golden} looks for more.
 */
class GoldenRecordFuzzTest {

    @TempDir
    Path dir;

    @FuzzTest
    @Timeout(10)
    void readAnyGoldenFile(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve("golden.jsonl"), bytes);
        assertReturnsOrRefuses(GoldenFileException.class, bytes, () -> {
            for (GoldenRecord record : GoldenRecord.readAll(file)) {
                String json = record.toJson();
                assertEquals(json, GoldenRecord.parse(json, file, 1).toJson());
            }
        });
    }
}
