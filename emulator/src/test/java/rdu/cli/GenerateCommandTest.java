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
import org.junit.jupiter.api.io.TempDir;
import rdu.graph.TensorParallel;
import rdu.model.HfConfig;

/** The rdu command as a user runs it: text on stdout, figures on stderr, one clear line per user error. */
class GenerateCommandTest {

    @TempDir
    Path dir;


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
    void expertRoutingIsNotedAsUnusedOnADenseModel() {
        Run run = rdu("generate", "--model", sharedModel("models/stories260K-hf").toString(), "--prompt", "Once",
                "--max-tokens", "2", "--expert-routing", "zipf:1");
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("rdu: note: --expert-routing zipf:1.0 has no effect: LlamaForCausalLM is a"
                + " dense model"), run.stderr());
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

    @Test
    void speculationGivesThePlainGreedyTextAndReportsItsAcceptance() throws java.io.IOException {
        String target = sharedModel("models/llama2xs-260K-hf").toString();
        Run plain = rdu("generate", "--model", target, "--max-tokens", "40");
        Path profile = dir.resolve("measured.txt");
        Run speculative = rdu("generate", "--model", target, "--draft", sharedModel("models/stories260K-hf").toString(),
                "--spec-k", "4", "--max-tokens", "40", "--acceptance-out", profile.toString());
        assertEquals(0, speculative.exitCode(), speculative.stderr());
        assertEquals(plain.stdout(), speculative.stdout(), "greedy speculation changes no token");
        assertTrue(speculative.stderr().contains("speculation: draft model") && speculative.stderr().contains(
                "tokens per step") && speculative.stderr().contains("without speculation"), speculative.stderr());
        // the measured profile reads back as an acceptance profile
        var read = rdu.speculative.AcceptanceProfile.read(profile);
        assertEquals(4, read.positions());
    }

    @Test
    void badSpeculationRequestsAreOneLineBeforeAnyText() {
        String model = sharedModel("models/stories260K-hf").toString();
        String[][] cases = {
            {"--spec", "ngram:0"}, {"--spec", "layerskip:5"}, {"--spec", "layerskip"}, {"--spec", "medusa"},
            {"--spec", "ngram:x"}, {"--spec", "ngram", "--spec-k", "0"}, {"--spec-k", "2"},
            {"--spec", "ngram", "--draft", model}, {"--acceptance-out", "x.txt"}, {"--prefill-chunk", "0"},
            {"--spec", "ngram", "--spec-k", "600"}, {"--spec", "ngram", "--temperature", "0.8", "--top-p", "0.9"},
            {"--sockets", "0"},
        };
        String[] expected = {
            "ngram:N needs N >= 1 (tokens to match), found 0",
            "layerskip:5: the draft runs the target's first L layers, L in 1..4 for this 5-layer model",
            "--spec layerskip: expected layerskip:L (the draft's layers)",
            "--spec medusa: expected ngram[:N] or layerskip:L",
            "--spec ngram:x: \"x\" is not a whole number",
            "--spec-k must be at least 1, found 0",
            "--spec-k 2 needs a drafting method (--draft or --spec)",
            "--draft and --spec are two drafting methods: give one",
            "--acceptance-out needs a drafting method (--draft or --spec)",
            "--prefill-chunk must be at least 1 position, found 0",
            "--spec-k 600 is beyond the target's context of 512 positions",
            "it does not combine with --top-k or --top-p",
            "--sockets must be at least 1, found 0",
        };
        for (int i = 0; i < cases.length; i++) {
            String[] args = new String[cases[i].length + 3];
            args[0] = "generate";
            args[1] = "--model";
            args[2] = model;
            System.arraycopy(cases[i], 0, args, 3, cases[i].length);
            Run run = rdu(args);
            assertEquals(1, run.exitCode(), String.join(" ", cases[i]) + ": " + run.stderr());
            // the last line (a fuzz agent sharing the test JVM may log class loads before it), and no stack trace
            String last = run.stderr().lines().reduce((first, second) -> second).orElse("");
            assertTrue(last.startsWith("rdu: error: ") && last.contains(expected[i])
                    && !run.stderr().contains("\tat "), String.join(" ", cases[i]) + ": " + run.stderr());
            assertTrue(run.stdout().isEmpty(), "nothing echoed: " + run.stdout());
        }
    }
}
