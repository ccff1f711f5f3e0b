package rdu.regression;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.runtime.StopReason;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;

/** The golden file format: exact round trips, and a malformed file names its file, line and field. */
class GoldenRecordTest {

    static final GoldenRecord SAMPLE = new GoldenRecord("models/x", "sn40l",
            ScheduleOptions.defaults().withFusion(Schedule.Fusion.NONE).withOffloadSteps(1), 2, "h\u00e9 said \"hi\"",
            new int[] {1, 5}, new int[] {7, 8}, new byte[] {(byte) 0xc3, (byte) 0xa9}, StopReason.STOP_TOKEN,
            new double[] {76868.20928026487, 38868.6, 1.0e-3}, 115736.81028026487, new long[] {10, 20, 1L << 40});

    @TempDir
    Path dir;

    @Test
    void aNamedPipeOrADirectoryIsRefusedForWhatItIsWithoutWaiting() throws Exception {
        Path fifo = dir.resolve("golden.jsonl");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor(), "mkfifo");
        var e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(GoldenFileException.class, () -> GoldenRecord.readAll(fifo)));
        assertEquals(fifo + ": is a named pipe, expected a regular file", e.getMessage());
        e = assertThrows(GoldenFileException.class, () -> GoldenRecord.readAll(dir));
        assertEquals(dir + ": is a directory, expected a regular file", e.getMessage());
        e = assertThrows(GoldenFileException.class, () -> GoldenRecord.readAll(dir.resolve("absent.jsonl")));
        assertEquals(dir.resolve("absent.jsonl") + ": file not found", e.getMessage());
    }

    /** A prompt given as token ids has no text: JSON null, read back as null, and reports name the ids. */
    @Test
    void aPromptGivenAsIdsHasANullTextAndIsNamedByItsIds() throws IOException {
        var ids = new GoldenRecord(SAMPLE.model(), SAMPLE.chip(), SAMPLE.options(), SAMPLE.maxTokens(), null,
                SAMPLE.promptIds(), SAMPLE.generatedIds(), new byte[0], SAMPLE.stopReason(), SAMPLE.stepNs(),
                SAMPLE.totalNs(), SAMPLE.hbmBytes());
        assertTrue(ids.toJson().contains("\"prompt\":null,\"prompt_ids\":[1,5],"), ids.toJson());
        Path file = dir.resolve("g.jsonl");
        GoldenRecord.writeAll(file, List.of(ids), false);
        GoldenRecord read = GoldenRecord.readAll(file).getFirst();
        assertNull(read.prompt());
        assertTrue(read.setup().endsWith(", max_tokens 2, prompt_ids [1, 5]"), read.setup());
        assertTrue(SAMPLE.setup().endsWith(", max_tokens 2, prompt \"h\u00e9 said \\\"hi\\\"\""), SAMPLE.setup());
    }

    @Test
    void writeThenReadKeepsEveryFieldExactly() throws IOException {
        Path file = dir.resolve("g.jsonl");
        GoldenRecord.writeAll(file, List.of(SAMPLE), false);
        GoldenRecord.writeAll(file, List.of(SAMPLE), true);
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertTrue(lines.getFirst().startsWith("{\"format\":\"rdu-golden/1\",\"model\":\"models/x\",\"chip\":\"sn40l\","
                + "\"schedule_options\":{\"fusion\":\"none\",\"kernel_looping\":true,\"batch_streaming\":true,"
                + "\"offload_steps\":1,\"hardware_orchestration\":true,\"batch\":1},\"max_tokens\":2,"),
                lines.getFirst());
        assertTrue(lines.getFirst().contains("\"generated_bytes_hex\":\"c3a9\",\"stop_reason\":\"stop_token\""),
                lines.getFirst());

        List<GoldenRecord> read = GoldenRecord.readAll(file);
        assertEquals(2, read.size());
        GoldenRecord r = read.get(1);
        assertEquals(SAMPLE.model(), r.model());
        assertEquals(SAMPLE.chip(), r.chip());
        assertEquals(SAMPLE.options(), r.options());
        assertEquals(SAMPLE.maxTokens(), r.maxTokens());
        assertEquals(SAMPLE.prompt(), r.prompt());
        assertArrayEquals(SAMPLE.promptIds(), r.promptIds());
        assertArrayEquals(SAMPLE.generatedIds(), r.generatedIds());
        assertArrayEquals(SAMPLE.generatedBytes(), r.generatedBytes());
        assertEquals(SAMPLE.stopReason(), r.stopReason());
        assertArrayEquals(SAMPLE.stepNs(), r.stepNs(), 0, "doubles survive JSON bit for bit");
        assertEquals(SAMPLE.totalNs(), r.totalNs(), 0);
        assertArrayEquals(SAMPLE.hbmBytes(), r.hbmBytes());
    }

    @Test
    void malformedRecordsNameTheFileLineAndField() throws IOException {
        assertMalformed(" line 1: field \"format\": expected \"rdu-golden/1\", found \"rdu-golden/0\"",
                edit(n -> n.put("format", "rdu-golden/0")));
        assertMalformed(" line 1: field \"stop_reason\": missing", edit(n -> n.remove("stop_reason")));
        assertMalformed(" line 1: field \"stop_reason\": expected one of [max_tokens, stop_token, context_full],"
                + " found \"eos\"", edit(n -> n.put("stop_reason", "eos")));
        assertMalformed(" line 1: field \"schedule_options.offload_steps\": expected an integer, found \"1\"",
                edit(n -> ((ObjectNode) n.get("schedule_options")).put("offload_steps", "1")));
        assertMalformed(" line 1: field \"schedule_options.kernel_looping\": missing",
                edit(n -> ((ObjectNode) n.get("schedule_options")).remove("kernel_looping")));
        assertMalformed(" line 1: field \"schedule_options\": offload steps must be >= 1 (1 = ScheduleOffloading off),"
                + " found 0", edit(n -> ((ObjectNode) n.get("schedule_options")).put("offload_steps", 0)));
        assertMalformed(" line 1: field \"generated_ids[1]\": expected an integer, found 2.5",
                edit(n -> n.putArray("generated_ids").add(7).add(2.5)));
        assertMalformed(" line 1: field \"modeled_step_ns[0]\": expected a number, found null",
                edit(n -> n.putArray("modeled_step_ns").addNull()));
        assertMalformed(" line 1: field \"hbm_bytes\": expected one value per step (3 in modeled_step_ns), found 2",
                edit(n -> n.putArray("hbm_bytes").add(1).add(2)));
        assertMalformed(" line 1: field \"generated_bytes_hex\": expected hexadecimal digit pairs",
                edit(n -> n.put("generated_bytes_hex", "c3a")));
        assertMalformed(" line 1: field \"max_tokens\": expected an integer >= 0, found -1",
                edit(n -> n.put("max_tokens", -1)));
        assertMalformed(" line 1: expected a JSON object, found [1,2]", "[1,2]");
        assertMalformed(" line 2: not JSON", SAMPLE.toJson(), "{\"format\": ");
        assertMalformed(" line 1: not JSON", SAMPLE.toJson() + SAMPLE.toJson());
        assertMalformed(" line 2: empty line", SAMPLE.toJson(), "", SAMPLE.toJson());
        assertMalformed(": no records", new String[0]);
    }

    /** Found by GoldenRecordFuzzTest: Jackson's complaint about trailing tokens names its own classes. */
    @Test
    void twoRecordsOnOneLineAreSaidWithoutJacksonsClassNames() throws IOException {
        String line = SAMPLE.toJson() + " " + SAMPLE.toJson();
        Path file = Files.write(dir.resolve("two.jsonl"), List.of(line), StandardCharsets.UTF_8);
        var e = assertThrows(GoldenFileException.class, () -> GoldenRecord.readAll(file));
        assertEquals(file + " line 1: not JSON: more after the end of the record, at column "
                + (SAMPLE.toJson().length() + 2), e.getMessage());
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nowhere.jsonl");
        var e = assertThrows(GoldenFileException.class, () -> GoldenRecord.readAll(missing));
        assertEquals(missing + ": file not found", e.getMessage());
    }

    private static String edit(Consumer<ObjectNode> change) throws IOException {
        var node = (ObjectNode) new ObjectMapper().readTree(SAMPLE.toJson());
        change.accept(node);
        return node.toString();
    }

    /** {@code expected}: the message after the file name, or how it starts. */
    private void assertMalformed(String expected, String... lines) throws IOException {
        Path file = Files.write(dir.resolve("bad.jsonl"), List.of(lines), StandardCharsets.UTF_8);
        var e = assertThrows(GoldenFileException.class, () -> GoldenRecord.readAll(file));
        assertTrue(e.getMessage().startsWith(file + expected), "expected \"" + file + expected + "...\", found: "
                + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
