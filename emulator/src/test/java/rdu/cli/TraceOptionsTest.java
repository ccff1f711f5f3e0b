package rdu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rdu.cli.GenerateCommandTest.rdu;
import static rdu.cli.GenerateCommandTest.sharedModel;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --trace-steps on the commands that write a trace: checked against the run before anything runs. */
class TraceOptionsTest {

    @TempDir
    Path dir;

    @Test
    void simulateRefusesAWindowOutsideTheRunInOneLine() {
        Path trace = dir.resolve("t.json");
        GenerateCommandTest.Run run = rdu("simulate", "--model", "llama-3.2-1b", "--tokens", "10", "--trace",
                trace.toString(), "--trace-steps", "5-10");
        assertEquals(1, run.exitCode(), run.stderr());
        assertEquals("rdu: error: --trace-steps: expected steps within the run, found 5-10: the run has 10 steps,"
                + " 0 to 9\n", run.stderr());
        assertTrue(run.stdout().isEmpty(), run.stdout());
        assertFalse(Files.exists(trace), "no trace started");
    }

    @Test
    void generateCountsThePromptsStepsAndRefusesBeforeEchoingIt() {
        // 3 tokens: the prefill of "Once upon a time" (BOS + 4 tokens) gives the first, two decode steps the rest
        String model = sharedModel("models/stories260K-hf").toString();
        String trace = dir.resolve("t.json").toString();
        GenerateCommandTest.Run run = rdu("generate", "--model", model, "--max-tokens", "3", "--trace", trace,
                "--trace-steps", "0-3");
        assertEquals(1, run.exitCode(), run.stderr());
        assertTrue(run.stderr().endsWith("rdu: error: --trace-steps: expected steps within the run, found 0-3: the run"
                + " has 3 steps, 0 to 2\n"), run.stderr());
        assertTrue(run.stdout().isEmpty(), "the prompt is not echoed: " + run.stdout());
        assertEquals(0, rdu("generate", "--model", model, "--max-tokens", "3", "--trace", trace, "--trace-steps",
                "0-2").exitCode());
    }

    @Test
    void aWindowWithoutATraceIsAMistake() {
        GenerateCommandTest.Run run = rdu("simulate", "--model", "llama-3.2-1b", "--tokens", "10", "--trace-steps",
                "0-1");
        assertEquals(1, run.exitCode());
        assertEquals("rdu: error: --trace-steps 0-1 needs --trace FILE\n", run.stderr());
    }
}
