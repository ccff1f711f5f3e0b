package rdu.regression;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.cli.Rdu;
import rdu.schedule.Schedule;

/** {@code rdu golden record} and {@code rdu golden check} as a user runs them. */
class GoldenCommandTest {

    record Run(int exitCode, String stdout, String stderr) {
    }

    @TempDir
    Path dir;

    static Run rdu(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        var cliErr = new StringWriter();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            var cli = Rdu.commandLine();
            cli.setErr(new PrintWriter(cliErr, true));
            int code = cli.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8) + cliErr);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    /** Records two prompts with default options, then appends them unfused: four records. */
    private Path recordFour() throws IOException {
        Path prompts = Files.writeString(dir.resolve("prompts.txt"), "Once upon a time\n\n");
        Path golden = dir.resolve("golden.jsonl");
        String root = SharedModels.root().toString();
        Run first = rdu("golden", "record", "--model-root", root, "--model", SharedModels.STORIES, "--prompts",
                prompts.toString(), "--out", golden.toString(), "--max-tokens", "8");
        assertEquals(0, first.exitCode(), first.stderr());
        assertTrue(first.stderr().contains("[1/2] \"Once upon a time\": 5 prompt + 8 generated tokens, stopped:"
                + " max_tokens, modeled ") && first.stderr().contains("[2/2] \"\": 1 prompt + 8 generated tokens")
                && first.stderr().contains("wrote 2 records to " + golden), first.stderr());
        Run second = rdu("golden", "record", "--model-root", root, "--model", SharedModels.STORIES, "--prompts",
                prompts.toString(), "--out", golden.toString(), "--max-tokens", "8", "--unfused", "--append");
        assertEquals(0, second.exitCode(), second.stderr());
        return golden;
    }

    @Test
    void recordThenCheckPasses() throws IOException {
        Path golden = recordFour();
        List<GoldenRecord> records = GoldenRecord.readAll(golden);
        assertEquals(4, records.size());
        assertEquals(SharedModels.STORIES, records.getFirst().model(), "the model path as given");
        assertEquals(Schedule.Fusion.NONE, records.get(2).options().fusion());

        Run check = rdu("golden", "check", golden.toString(), "--model-root", SharedModels.root().toString());
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        List<String> lines = check.stdout().lines().toList();
        assertEquals(5, lines.size(), check.stdout());
        assertTrue(lines.get(2).startsWith("OK      line 3: " + SharedModels.STORIES + ", chip sn40l, schedule_options"
                + " {\"fusion\":\"none\","), lines.get(2));
        assertEquals("4 passed, 0 failed", lines.get(4));
    }

    @Test
    void aDifferingRecordFailsWithItsDetails() throws IOException {
        Path golden = recordFour();
        List<String> lines = Files.readAllLines(golden);
        var mapper = new ObjectMapper();
        var tampered = (ObjectNode) mapper.readTree(lines.get(0));
        ((ArrayNode) tampered.get("generated_ids")).set(3, 376);
        Files.write(golden, List.of(tampered.toString(), lines.get(1), lines.get(2), lines.get(3)));

        Run check = rdu("golden", "check", golden.toString(), "--model-root", SharedModels.root().toString());
        assertEquals(1, check.exitCode(), check.stdout() + check.stderr());
        List<String> out = check.stdout().lines().toList();
        assertTrue(out.get(0).startsWith("FAILED  line 1: " + SharedModels.STORIES + ", chip sn40l"), out.get(0));
        assertEquals("        generated token 3: expected 376 \" little\", found 261 \" a\"", out.get(1));
        assertTrue(out.get(2).startsWith("OK      line 2: "), out.get(2));
        assertEquals("3 passed, 1 failed", out.getLast());
    }

    /**
     * A model without a tokenizer is recorded from token ids and checked from them; --prompt-ids on check picks the
     * records of that prompt, here the ids record and the text record whose prompt encodes to the same ids.
     */
    @Test
    void recordsMadeFromIdsCheckFromThemAndCheckCanPickThem() throws IOException {
        Path model = Files.createDirectory(dir.resolve("no-tokenizer"));
        for (String file : List.of("config.json", "generation_config.json", "model.safetensors")) {
            Files.copy(SharedModels.root().resolve(SharedModels.STORIES).resolve(file), model.resolve(file));
        }
        Path golden = dir.resolve("golden.jsonl");
        Run ids = rdu("golden", "record", "--model", model.toString(), "--prompt-ids", "1,403,407,261,378", "--out",
                golden.toString(), "--max-tokens", "8");
        assertEquals(0, ids.exitCode(), ids.stderr());
        assertTrue(ids.stderr().contains("[1/1] ids 1,403,407,261,378: 5 prompt + 8 generated tokens"), ids.stderr());
        GoldenRecord record = GoldenRecord.readAll(golden).getFirst();
        assertNull(record.prompt());
        String runC = Files.readAllLines(SharedModels.root().resolve("golden/stories260K.jsonl")).getFirst();
        int[] runCIds = new ObjectMapper().treeToValue(new ObjectMapper().readTree(runC).get("generated_ids"),
                int[].class);
        assertArrayEquals(Arrays.copyOf(runCIds, 8), record.generatedIds(), "llama2.c run.c's tokens");

        Path prompts = Files.writeString(dir.resolve("prompts.txt"), "Once upon a time\nThe little dog\n");
        Run text = rdu("golden", "record", "--model-root", SharedModels.root().toString(), "--model",
                SharedModels.STORIES, "--prompts", prompts.toString(), "--out", golden.toString(), "--max-tokens", "8",
                "--append");
        assertEquals(0, text.exitCode(), text.stderr());

        Run all = rdu("golden", "check", golden.toString(), "--model-root", SharedModels.root().toString());
        assertEquals(0, all.exitCode(), all.stdout() + all.stderr());
        assertEquals("3 passed, 0 failed", all.stdout().lines().toList().getLast());
        Run picked = rdu("golden", "check", golden.toString(), "--model-root", SharedModels.root().toString(),
                "--prompt-ids", "1,403,407,261,378");
        assertEquals(0, picked.exitCode(), picked.stdout() + picked.stderr());
        List<String> lines = picked.stdout().lines().toList();
        assertEquals(3, lines.size(), picked.stdout());
        assertTrue(lines.get(0).startsWith("OK      line 1: " + model + ", ") && lines.get(0).endsWith(
                ", max_tokens 8, prompt_ids [1, 403, 407, 261, 378]"), lines.get(0));
        assertTrue(lines.get(1).startsWith("OK      line 2: " + SharedModels.STORIES + ", ") && lines.get(1).endsWith(
                ", prompt \"Once upon a time\""), lines.get(1));
        assertEquals("2 passed, 0 failed", lines.get(2));

        assertError("--prompt-ids: expected the prompt_ids of a record of " + golden + ", found 1,2, which none has",
                "golden", "check", golden.toString(), "--prompt-ids", "1,2");
        assertError("--prompts and --prompt-ids both give the prompts: give one", "golden", "record", "--model",
                model.toString(), "--prompts", prompts.toString(), "--prompt-ids", "1", "--out", golden.toString());
        assertError("give the prompts: --prompts FILE (one per line) or --prompt-ids IDS (one prompt)", "golden",
                "record", "--model", model.toString(), "--out", golden.toString());
        assertError("--prompt-ids: expected token ids in [0, 512) (vocab_size of the model), found 512 at position 2",
                "golden", "record", "--model", model.toString(), "--prompt-ids", "1,512", "--out", golden.toString());
        assertError(model.resolve("tokenizer.json") + ": file not found, so the prompt cannot be text", "golden",
                "record", "--model", model.toString(), "--prompts", prompts.toString(), "--out", golden.toString());
    }

    @Test
    void userErrorsAreOneClearLine() throws IOException {
        Path missing = dir.resolve("missing.jsonl");
        assertError(missing + ": file not found", "golden", "check", missing.toString());

        Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"format\":\"rdu-golden/1\"}\n");
        assertError(bad + " line 1: field \"", "golden", "check", bad.toString());

        Path prompts = dir.resolve("no-prompts.txt");
        assertError(prompts + ": file not found", "golden", "record", "--model", SharedModels.STORIES, "--prompts",
                prompts.toString(), "--out", dir.resolve("out.jsonl").toString());

        assertError("--time-tolerance: the time tolerance must be a finite number >= 0, found -1.0", "golden",
                "check", bad.toString(), "--time-tolerance", "-1");

        Path golden = recordFour();
        assertError(dir.resolve("nowhere").resolve(SharedModels.STORIES) + ": no such file or directory", "golden",
                "check", golden.toString(), "--model-root", dir.resolve("nowhere").toString());
    }

    private static void assertError(String start, String... args) {
        Run run = rdu(args);
        assertEquals(1, run.exitCode(), run.stdout() + run.stderr());
        // the last line: a fuzz agent sharing the test JVM may log class loads before it
        String last = run.stderr().lines().reduce((first, second) -> second).orElse("");
        assertTrue(last.startsWith("rdu: error: " + start), run.stderr());
        assertFalse(run.stderr().contains("\tat "), "no stack trace: " + run.stderr());
    }
}
