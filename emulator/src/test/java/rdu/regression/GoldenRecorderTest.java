package rdu.regression;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.chip.ChipFile;
import rdu.runtime.StopReason;
import rdu.model.Checkpoint;
import rdu.schedule.ScheduleOptions;

/** What a recording holds: run.c's greedy tokens, and one modeled time and HBM count per decode step. */
class GoldenRecorderTest {

    @TempDir
    Path dir;

    @Test
    void recordsGreedyTokensAndEveryStepsTime() {
        GoldenRecord r;
        try (Checkpoint checkpoint = Checkpoint.open(SharedModels.root().resolve(SharedModels.STORIES))) {
            r = recordStories(checkpoint, ScheduleOptions.defaults(), 16, "Once upon a time");
        }
        assertEquals(SharedModels.STORIES, r.model());
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, r.promptIds());
        assertArrayEquals(new int[] {432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337},
                r.generatedIds(), "run.c's first 16 tokens (shared/golden/stories260K.jsonl)");
        assertTrue(new String(r.generatedBytes(), StandardCharsets.UTF_8)
                .startsWith(", there was a little girl named Lily."));
        assertEquals(StopReason.MAX_TOKENS, r.stopReason());
        assertEquals(16, r.stepNs().length, "the prefill gives the first token, then one step per token");
        assertEquals(r.stepNs().length, r.hbmBytes().length);
        double sum = 0;
        for (int i = 0; i < r.stepNs().length; i++) {
            assertTrue(r.stepNs()[i] > 0, "step " + i);
            sum += r.stepNs()[i];
            if (i > 1) { // after the prefill, which writes the whole prompt's KV
                assertTrue(r.hbmBytes()[i] > r.hbmBytes()[i - 1], "the KV cache read grows each step: " + i);
            }
        }
        assertEquals(sum, r.totalNs(), sum * 1e-12, "steps run back to back");
    }

    @Test
    void recordsTheStopTokenAsRunCDoes() throws IOException {
        GoldenRecord r;
        try (Checkpoint checkpoint = Checkpoint.open(SharedModels.root().resolve(SharedModels.STORIES))) {
            r = recordStories(checkpoint, ScheduleOptions.defaults(), 256, "The little dog");
        }
        JsonNode runC = null;
        for (String line : Files.readAllLines(SharedModels.root().resolve("golden/stories260K.jsonl"))) {
            JsonNode n = new ObjectMapper().readTree(line);
            if (n.get("prompt").asText().equals("The little dog") && n.get("steps").asInt() == 256) {
                runC = n;
            }
        }
        assertNotNull(runC, "shared/golden/stories260K.jsonl: the record of \"The little dog\" with 256 steps");
        assertEquals("bos", runC.get("stop_reason").asText());
        JsonNode ids = runC.get("generated_ids");
        int[] expected = new int[ids.size()];
        Arrays.setAll(expected, i -> ids.get(i).asInt());
        assertArrayEquals(expected, r.generatedIds());
        assertEquals(StopReason.STOP_TOKEN, r.stopReason());
        assertEquals(expected.length + 1, r.stepNs().length, "the step that produced the stop token is timed");
    }

    @Test
    void everyLineOfAPromptsFileIsOnePrompt() throws IOException {
        Path file = Files.writeString(dir.resolve("p.txt"), "Once upon a time\n\nh\u00e9 \\n\n");
        assertEquals(List.of("Once upon a time", "", "h\u00e9 \\n"), GoldenRecorder.readPrompts(file));
        Files.writeString(file, "last line without a line break");
        assertEquals(List.of("last line without a line break"), GoldenRecorder.readPrompts(file));
    }

    @Test
    void unusablePromptsFilesAreNamed() throws IOException {
        Path file = dir.resolve("p.txt");
        assertEquals(file + ": file not found",
                assertThrows(GoldenFileException.class, () -> GoldenRecorder.readPrompts(file)).getMessage());
        Files.write(file, new byte[0]);
        assertTrue(assertThrows(GoldenFileException.class, () -> GoldenRecorder.readPrompts(file)).getMessage()
                .startsWith(file + ": no prompts"));
        Files.write(file, new byte[] {'a', (byte) 0xff, '\n'});
        assertEquals(file + ": not UTF-8 text",
                assertThrows(GoldenFileException.class, () -> GoldenRecorder.readPrompts(file)).getMessage());
    }

    /** One greedy record of stories260K on the default chip. */
    static GoldenRecord recordStories(Checkpoint checkpoint, ScheduleOptions options, int maxTokens, String prompt) {
        var generator = GoldenRecorder.generator(checkpoint, ChipFile.DEFAULT, options);
        return GoldenRecorder.record(generator, SharedModels.STORIES, ChipFile.DEFAULT, options, maxTokens, prompt);
    }
}
