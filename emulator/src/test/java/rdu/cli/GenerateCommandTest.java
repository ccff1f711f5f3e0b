package rdu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import rdu.graph.TensorParallel;
import rdu.model.HfConfig;

/** The rdu command as a user runs it: text on stdout, figures on stderr, one clear line per user error. */
class GenerateCommandTest {

    record Run(int exitCode, String stdout, String stderr) {
    }

    static Path sharedModel(String relative) {
        Path path = Path.of(System.getProperty("rdu.shared"), relative);
        if (!Files.exists(path)) {
            fail("missing " + path + ": these tests need ../shared beside the repository");
        }
        return path;
    }

    static Run rdu(String... args) {
        var out = new ByteArrayOutputStream();
        var errText = new StringWriter();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        var errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            var cli = Rdu.commandLine();
            cli.setErr(new PrintWriter(errText, true));
            int code = cli.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8),
                    errBytes.toString(StandardCharsets.UTF_8) + errText);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    @Test
    void generatesTheGoldenContinuationOnStdoutAndFiguresOnStderr() {
        Run run = rdu("generate", "--model", sharedModel("models/stories260K-hf").toString(), "--prompt",
                "Once upon a time", "--max-tokens", "20");
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stdout().startsWith("Once upon a time, there was a little girl named Lily."), run.stdout());
        assertFalse(run.stdout().contains("tokens/s"), "figures stay off stdout");
        assertTrue(run.stderr().contains("generated 20 tokens") && run.stderr().contains("modeled SN40L:")
                && run.stderr().contains("kernel calls per token: 4") && run.stderr().contains("host (this machine"),
                run.stderr());
    }

    @Test
    void noEchoPrintsOnlyTheContinuation() {
        Run run = rdu("generate", "--model", sharedModel("models/stories260K/stories260K.bin").toString(),
                "--prompt", "Once upon a time", "--max-tokens", "5", "--no-echo");
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stdout().startsWith(", there was a"), run.stdout());
    }

    @Test
    void missingModelIsOneClearLine() {
        Run run = rdu("generate", "--model", "/nonexistent/model-dir");
        assertEquals(1, run.exitCode());
        assertTrue(run.stderr().startsWith("rdu: error: ") && run.stderr().contains("/nonexistent/model-dir"),
                run.stderr());
        assertFalse(run.stderr().contains("\tat "), "no stack trace: " + run.stderr());
    }

    @Test
    void badSamplingArgumentsAreRejectedBeforeLoading() {
        Run run = rdu("generate", "--temperature", "-1");
        assertEquals(1, run.exitCode());
        assertTrue(run.stderr().contains("temperature"), run.stderr());
        run = rdu("generate", "--top-p", "1.5");
        assertEquals(1, run.exitCode());
        assertTrue(run.stderr().contains("top"), run.stderr());
        run = rdu("generate", "--max-tokens", "-3");
        assertEquals(1, run.exitCode());
        assertTrue(run.stderr().contains("--max-tokens"), run.stderr());
    }

    @Test
    void promptLongerThanTheContextIsRefused() {
        String prompt = "Lily went to the park and played with her big red ball. ".repeat(60);
        Run run = rdu("generate", "--model", sharedModel("models/stories260K-hf").toString(), "--prompt", prompt);
        assertEquals(1, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("context") && run.stderr().contains("512"), run.stderr());
        assertEquals("", run.stdout(), "a refused prompt is not echoed");
    }

    @Test
    void generateRefusesAnUnevenSplitThatSimulateModelsAndBothStateTheSameRule() {
        Path model = sharedModel("models/stories260K-hf");
        String rule = TensorParallel.unevenSplit(HfConfig.read(model.resolve("config.json"), HfConfig.LLAMA_LIKE), 9);
        Run generate = rdu("generate", "--model", model.toString(), "--sockets", "9", "--max-tokens", "1");
        Run simulate = rdu("simulate", "--model", model.resolve("config.json").toString(), "--sockets", "9",
                "--context", "0", "--tokens", "1");
        assertEquals(1, generate.exitCode(), generate.stderr());
        assertTrue(generate.stderr().contains(rule), generate.stderr());
        assertEquals(0, simulate.exitCode(), simulate.stderr());
        assertTrue(simulate.stderr().contains(rule), "simulate says which rule generate applies: "
                + simulate.stderr());
    }

    @Test
    void unknownOptionAndHelp() {
        Run run = rdu("generate", "--frobnicate");
        assertEquals(2, run.exitCode());
        Run help = rdu("generate", "--help");
        assertEquals(0, help.exitCode());
    }
}
