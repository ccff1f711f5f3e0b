package rdu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.schedule.ScheduleOptions;
import rdu.simulate.Simulation;
import rdu.speculative.AcceptanceProfile;
import rdu.tensor.DType;

/** rdu simulate: production-scale models from their configs alone, with the same outputs as rdu generate. */
class SimulateCommandTest {

    @TempDir
    Path dir;

    static final Chip SN40L = ChipFile.load("sn40l");

    /** The figure {@code pattern}'s group 1 captures in a run's output. */
    static String figure(String stdout, String pattern) {
        var m = Pattern.compile(pattern).matcher(stdout);
        assertTrue(m.find(), pattern + " in " + stdout);
        return m.group(1);
    }

    static double tokensPerSecond(String stdout) {
        return Double.parseDouble(figure(stdout, "modeled .*?: ([0-9.]+) tokens/s"));
    }

    static double roofline(String stdout) {
        return Double.parseDouble(figure(stdout, "Eq. 3 roofline ([0-9.]+) tokens/s"));
    }

    static String callsPerToken(String stdout) {
        return figure(stdout, "kernel calls per token: (\\S+)");
    }

    /** Tokens/s of the same run through the Simulation API, as the command prints it. */
    static String apiTokensPerSecond(String model, int sockets, DType dtype, int context, int tokens) {
        double tokensPerSecond = Simulation.of(model, SN40L, sockets, ScheduleOptions.defaults(), dtype, context,
                tokens, false, false).run(false, step -> { }).tokensPerSecond();
        return String.format(Locale.ROOT, "%.1f", tokensPerSecond);
    }

    @Test
    void llama8bOnSixteenSocketsWithTraceAndCsv() throws Exception {
        Path trace = dir.resolve("t.json");
        Path csv = dir.resolve("t.csv");
        var run = GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-8b", "--sockets", "16", "--tokens", "5",
                "--trace", trace.toString(), "--timing-csv", csv.toString());
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stdout().contains("kernel calls per token: 4"), run.stdout());
        assertTrue(Files.size(trace) > 0 && Files.readAllLines(csv).size() == 6, "header + 5 steps");
    }

    @Test
    void starcoder2sTraceNamesItsOwnOperators() throws Exception {
        for (String sockets : new String[] {"1", "2"}) {
            Path trace = dir.resolve("starcoder2-" + sockets + ".json");
            var run = GenerateCommandTest.rdu("simulate", "--model", "starcoder2-7b", "--sockets", sockets,
                    "--context", "5000", "--tokens", "1", "--trace", trace.toString());
            assertEquals(0, run.exitCode(), run.stderr());
            var names = new java.util.TreeSet<String>();
            for (var event : new com.fasterxml.jackson.databind.ObjectMapper().readTree(trace.toFile())
                    .get("traceEvents")) {
                names.add(event.path("name").asText().split(" ")[0]);
            }
            for (String op : new String[] {"LayerNorm", "BiasAdd", "Gelu", "WindowedAttention"}) {
                assertTrue(names.contains(op), op + " on " + sockets + " sockets: " + names);
            }
            assertTrue(!names.contains("RmsNorm") && !names.contains("SwiGlu"), names.toString());
        }
    }

    @Test
    void aTraceShowsOneProcessPerSocketAndOneForTheHost() throws Exception {
        Path trace = dir.resolve("four.json");
        var run = GenerateCommandTest.rdu("simulate", "--model", "llama-3.2-1b", "--sockets", "4", "--tokens", "2",
                "--no-schedule-offloading", "--trace", trace.toString());
        assertEquals(0, run.exitCode(), run.stderr());
        var events = new com.fasterxml.jackson.databind.ObjectMapper().readTree(trace.toFile()).get("traceEvents");
        var processes = new java.util.TreeSet<Integer>();
        for (var event : events) {
            if (event.path("name").asText().equals("process_name")) {
                processes.add(event.get("pid").asInt());
            }
        }
        assertEquals(java.util.Set.of(0, 1, 2, 3, 4), processes, "host + 4 sockets");
    }

    @Test
    void printsTheApisFigureAndTheRooflineOfTheBytesOfAToken() {
        var run = GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-8b", "--sockets", "8", "--tokens", "2");
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(apiTokensPerSecond("llama-3.1-8b", 8, DType.BF16, 8192, 2),
                figure(run.stdout(), "modeled SN40L x8: ([0-9.]+) tokens/s"));
        // Llama 3.1 8B as published: 32 layers of q and o 4096 x 4096, k and v 4096 x 1024 (8 KV heads of 128),
        // gate, up and down 4096 x 14336, a 128256 x 4096 classifier; BF16. Each of 8 sockets streams 1/8 of every
        // matrix and reads its one KV head's keys and values at the 8192 positions of the context.
        long parameters = 32 * (2 * 4096L * 4096 + 2 * 4096L * 1024 + 3 * 4096L * 14336) + 128256L * 4096;
        double bytes = parameters * 2 / 8.0 + 32 * 128 * 2 * 2 * 8192.0;
        assertEquals(1.6e12 / bytes, roofline(run.stdout()), 1e-3 * 1.6e12 / bytes, "Eq. 3: bandwidth / bytes");
    }

    @Test
    void kernelLoopingChangesTheCallsAndTheTimeNotTheBytesAndMoreSocketsDecodeFaster() {
        String looped = GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-8b", "--sockets", "16", "--tokens",
                "20").stdout();
        String unlooped = GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-8b", "--sockets", "16", "--tokens",
                "20", "--no-kernel-looping").stdout();
        String eight = GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-8b", "--sockets", "8", "--tokens",
                "20").stdout();
        assertEquals("4", callsPerToken(looped), "embedding, the looped decoder layers, classifier, sampling");
        assertEquals(String.valueOf(32 + 3), callsPerToken(unlooped), "one call per layer instead");
        assertEquals(roofline(looped), roofline(unlooped), "the same bytes");
        assertTrue(tokensPerSecond(looped) > tokensPerSecond(unlooped), looped + " vs " + unlooped);
        assertTrue(tokensPerSecond(looped) > tokensPerSecond(eight), looped + " vs " + eight);
    }

    @Test
    void llama405bOnTooFewSocketsIsRefusedWithTheSmallestCountThatFits() {
        var run = GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-405b", "--sockets", "8");
        assertEquals(1, run.exitCode());
        assertTrue(run.stderr().contains("does not fit in the HBM of socket 0") && run.stderr().contains("needs ")
                && run.stderr().contains("available"), run.stderr());
        var suggested = Pattern.compile("--sockets (\\d+)").matcher(run.stderr());
        assertTrue(suggested.find(), run.stderr());
        int fits = Integer.parseInt(suggested.group(1));
        assertEquals(0, GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-405b", "--sockets",
                String.valueOf(fits), "--tokens", "1").exitCode(), "the suggested count fits");
        assertEquals(1, GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-405b", "--sockets",
                String.valueOf(fits - 1), "--tokens", "1").exitCode(), "one fewer does not");
    }

    @Test
    void mixtureOfExpertsModelsRunFromTheCatalog() {
        var run = GenerateCommandTest.rdu("simulate", "--model", "mixtral-8x7b", "--sockets", "8", "--tokens", "5");
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stdout().contains("Mixture of Experts: 32 of 32 layers, top 2 of 8 experts"), run.stdout());
        double sliced = tokensPerSecond(run.stdout());
        double whole = tokensPerSecond(GenerateCommandTest.rdu("simulate", "--model", "mixtral-8x7b", "--sockets", "8",
                "--tokens", "5", "--expert-parallel").stdout());
        assertTrue(sliced > whole, "at batch 1 one socket streams a whole expert: " + sliced + " vs " + whole);
        assertEquals(0, GenerateCommandTest.rdu("simulate", "--model", "llama-4-maverick", "--sockets", "16", "--dtype",
                "FP8", "--tokens", "2").exitCode());

        var dense = GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-8b", "--expert-parallel");
        assertEquals(1, dense.exitCode());
        assertTrue(dense.stderr().contains("--expert-parallel needs a Mixture-of-Experts model"), dense.stderr());
    }

    @Test
    void expertRoutingChangesTheModeledTimeOfMixtureOfExpertsModelsOnly() {
        String[] mixtral = {"simulate", "--model", "mixtral-8x7b", "--sockets", "16", "--batch", "16", "--tokens", "3"};
        var uniform = GenerateCommandTest.rdu(mixtral);
        var explicitUniform = GenerateCommandTest.rdu(with(mixtral, "--expert-routing", "uniform"));
        var skewed = GenerateCommandTest.rdu(with(mixtral, "--expert-routing", "zipf:1.2"));
        assertEquals(0, uniform.exitCode() + explicitUniform.exitCode() + skewed.exitCode(), skewed.stderr());
        assertTrue(uniform.stdout().contains("routing uniform") && skewed.stdout().contains("routing zipf:1.2"),
                skewed.stdout());
        assertEquals(tokensPerSecond(uniform.stdout()), tokensPerSecond(explicitUniform.stdout()), "the default");
        assertTrue(tokensPerSecond(skewed.stdout()) > tokensPerSecond(uniform.stdout()), "tensor parallel: the batch"
                + " shares its popular experts, fewer stream: " + skewed.stdout() + " vs " + uniform.stdout());

        String[] llama = {"simulate", "--model", "llama-3.2-1b", "--tokens", "2"};
        var dense = GenerateCommandTest.rdu(with(llama, "--expert-routing", "zipf:1"));
        assertEquals(0, dense.exitCode(), dense.stderr());
        String note = "rdu: note: --expert-routing zipf:1.0 has no effect: llama-3.2-1b is dense";
        assertEquals(1, dense.stderr().split(Pattern.quote(note), -1).length - 1, "said once: " + dense.stderr());
        assertEquals(tokensPerSecond(GenerateCommandTest.rdu(llama).stdout()), tokensPerSecond(dense.stdout()));

        for (String bad : new String[] {"zipf:-1", "foo"}) {
            var run = GenerateCommandTest.rdu(with(mixtral, "--expert-routing", bad));
            assertEquals(1, run.exitCode(), run.stderr());
            // the last line (a fuzz agent sharing the test JVM may log class loads before it), and no stack trace
            String last = run.stderr().lines().reduce((first, second) -> second).orElse("");
            assertTrue(last.startsWith("rdu: error: --expert-routing: expected ") && last.endsWith("found \"" + bad
                    + "\"") && !run.stderr().contains("\tat "), run.stderr());
        }
    }

    private static String[] with(String[] args, String... more) {
        String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    @Test
    void unknownModelIsAClearError() {
        var run = GenerateCommandTest.rdu("simulate", "--model", "no-such-model");
        assertEquals(1, run.exitCode());
        assertTrue(run.stderr().startsWith("rdu: error: ") && run.stderr().contains("no-such-model"), run.stderr());
    }

    @Test
    void dgxH100RunsKernelByKernelTenKernelsPerLayer() {
        var run = GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-8b", "--chip", "dgx-h100", "--sockets",
                "8", "--tokens", "10");
        assertEquals(0, run.exitCode(), run.stderr());
        var calls = Pattern.compile("kernel calls per token: (\\d+)").matcher(run.stdout());
        assertTrue(calls.find(), run.stdout());
        int perToken = Integer.parseInt(calls.group(1));
        // 10 per layer, then embedding, final norm, classifier, logits all-gather, sampling
        assertEquals(10 * 32 + 5, perToken, "TensorRT-LLM's 10 kernels per layer");
        double gpu = tokensPerSecond(run.stdout());
        double rdu = tokensPerSecond(GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-8b", "--sockets", "16",
                "--tokens", "10").stdout());
        assertTrue(rdu > gpu, "SN40L-16 decodes faster than DGX H100: " + rdu + " vs " + gpu);
    }

    @Test
    void deepseekR1WithLatentAttentionRunsInFp8OnSixteenSockets() {
        var run = GenerateCommandTest.rdu("simulate", "--model", "deepseek-r1", "--sockets", "16", "--dtype", "FP8",
                "--tokens", "4");
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stdout().contains("61 layers, hidden 7168, 128 heads"), run.stdout());
        double gigabytes = Double.parseDouble(figure(run.stdout(), "FP8 weights, ([0-9.]+) GB"));
        assertEquals(671, gigabytes, 0.02 * 671, "671B parameters as published, one byte each");
        assertEquals(apiTokensPerSecond("deepseek-r1", 16, DType.F8_E4M3, 8192, 4),
                figure(run.stdout(), "modeled SN40L x16: ([0-9.]+) tokens/s"));

        // the context only adds latent-cache reads: 576 BF16 values a layer and position, whole on every socket
        var empty = GenerateCommandTest.rdu("simulate", "--model", "deepseek-r1", "--sockets", "16", "--dtype", "FP8",
                "--tokens", "4", "--context", "0");
        double latentBytes = 61 * 576 * 2 * 8192.0;
        double moreBytes = 1.6e12 / roofline(run.stdout()) - 1.6e12 / roofline(empty.stdout());
        assertEquals(latentBytes, moreBytes, 5e-3 * latentBytes, "8192 more positions of latents");
    }

    @Test
    void helpListsEveryCatalogModelAndBadRequestsAreOneLine() {
        var help = GenerateCommandTest.rdu("simulate", "--help");
        for (String name : rdu.catalog.ModelCatalog.NAMES) {
            assertTrue(help.stdout().contains(name), name + " missing from --help: " + help.stdout());
        }
        var tooLong = GenerateCommandTest.rdu("simulate", "--model", "llama-2-7b", "--context", "8192");
        assertEquals(1, tooLong.exitCode());
        assertTrue(tooLong.stderr().contains("exceed llama-2-7b's context of 4096"), tooLong.stderr());
        var hugeBatch = GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-8b", "--sockets", "16", "--batch",
                "2000000", "--context", "0", "--tokens", "1");
        assertEquals(1, hugeBatch.exitCode(), hugeBatch.stderr());
        assertTrue(hugeBatch.stderr().startsWith("rdu: error: ") && !hugeBatch.stderr().contains("\tat "),
                hugeBatch.stderr());
    }

    @Test
    void aPromptIsPrefilledBeforeDecodingAndItsTimeToFirstTokenReported() {
        var run = GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-8b", "--sockets", "16", "--prompt-tokens",
                "2048", "--tokens", "8");
        assertEquals(0, run.exitCode(), run.stderr());
        double ttft = Double.parseDouble(figure(run.stdout(), "time to first token ([0-9.]+) ms \\(prefill of 2048"
                + " positions"));
        var api = Simulation.of("llama-3.1-8b", SN40L, 16, ScheduleOptions.defaults(), DType.BF16, 0, 8, false, false)
                .withPrompt(2048).run(false, step -> { });
        assertEquals(api.timeToFirstTokenMs(), ttft, 5e-4, "the command's figure is the API's");
        assertEquals(String.format(Locale.ROOT, "%.1f", api.tokensPerSecond()),
                figure(run.stdout(), "modeled SN40L x16: ([0-9.]+) tokens/s"), "7 decode steps after the prefill");
        double decodeStepMs = 1000 / api.tokensPerSecond();
        assertTrue(ttft > 4 * decodeStepMs && ttft < 2048 * decodeStepMs / 4, "a pass of 2048 positions: " + ttft
                + " ms, a decode step " + decodeStepMs + " ms");
    }

    @Test
    void aSpeculativeRunNamesItsAcceptanceProfileAndMatchesTheApi() {
        var run = GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-70b", "--sockets", "16", "--context", "4096",
                "--tokens", "40", "--draft", "llama-3.2-1b", "--spec-k", "5", "--acceptance", "0.8");
        assertEquals(0, run.exitCode(), run.stderr());
        var profile = AcceptanceProfile.rate(0.8);
        assertTrue(run.stdout().contains(String.format(Locale.ROOT, "E(5) = %.3f tokens per step",
                profile.expectedCommitted(5))), run.stdout());
        double api = Simulation.of("llama-3.1-70b", SN40L, 16, ScheduleOptions.defaults(), DType.BF16, 4096, 40, false,
                false).withSpeculation("llama-3.2-1b", 5, profile).run(false, step -> { }).tokensPerSecond();
        assertEquals(String.format(Locale.ROOT, "%.1f", api), figure(run.stdout(), "modeled SN40L x16: ([0-9.]+)"
                + " tokens/s"));
        assertTrue(run.stdout().contains("speculation: "), run.stdout());
        double plain = Simulation.of("llama-3.1-70b", SN40L, 16, ScheduleOptions.defaults(), DType.BF16, 4096, 40,
                false, false).run(false, step -> { }).tokensPerSecond();
        assertEquals(String.format(Locale.ROOT, "%.1f", plain), figure(run.stdout(), "without speculation: ([0-9.]+)"
                + " tokens/s"), "the baseline is the same request decoded plainly");
    }

    @Test
    void badPrefillAndSpeculationRequestsAreOneLine() throws java.io.IOException {
        Path profile = dir.resolve("profile.txt");
        java.nio.file.Files.writeString(profile, "# measured\n0.9\n0.7\nabc\n");
        String[][] cases = {
            {"--model", "llama-2-7b", "--prompt-tokens", "5000", "--tokens", "4"},
            {"--model", "llama-3.1-8b", "--prefill-chunk", "0"},
            {"--model", "llama-3.1-8b", "--draft", "llama-3.2-1b"},
            {"--model", "llama-3.1-8b", "--acceptance", "0.5"},
            {"--model", "llama-3.1-8b", "--draft", "llama-3.2-1b", "--acceptance", "0.5", "--spec-k", "0"},
            {"--model", "llama-3.1-8b", "--spec-k", "3"},
            {"--model", "llama-3.1-8b", "--draft", "llama-3.2-1b", "--acceptance", "1.5"},
            {"--model", "llama-3.1-8b", "--draft", "llama-3.2-1b", "--acceptance", profile.toString()},
            {"--model", "llama-3.1-8b", "--draft", "qwen2.5-0.5b", "--acceptance", "0.5"},
            {"--model", "llama-3.1-70b", "--sockets", "3", "--draft", "llama-3.1-70b", "--acceptance", "0.5"},
            {"--model", "llama-3.1-8b", "--sockets", "0"},
        };
        String[] expected = {
            "--context 0 + --prompt-tokens 5000 + --tokens 4 positions exceed llama-2-7b's context of 4096",
            "--prefill-chunk must be at least 1 position, found 0",
            "--draft needs --acceptance RATE|FILE",
            "--acceptance needs --draft",
            "--spec-k must be at least 1, found 0",
            "--spec-k 3 needs a drafting method (--draft)",
            "expected a probability in [0, 1], found 1.5",
            profile + ": line 4: expected a probability in [0, 1], found \"abc\"",
            "qwen2.5-0.5b cannot draft for this target: its special tokens (BOS 151643",
            "target and draft (weights + KV caches for batch 1) do not fit in the HBM of socket 0: needs",
            "--sockets must be at least 1, found 0",
        };
        for (int i = 0; i < cases.length; i++) {
            String[] args = new String[cases[i].length + 1];
            args[0] = "simulate";
            System.arraycopy(cases[i], 0, args, 1, cases[i].length);
            var run = GenerateCommandTest.rdu(args);
            assertEquals(1, run.exitCode(), String.join(" ", args) + ": " + run.stderr());
            // the last line (a fuzz agent sharing the test JVM may log class loads before it), and no stack trace
            String last = run.stderr().lines().reduce((first, second) -> second).orElse("");
            assertTrue(last.startsWith("rdu: error: ") && last.contains(expected[i])
                    && !run.stderr().contains("\tat "), String.join(" ", args) + ": " + run.stderr());
        }
    }

    @Test
    void socketsIsOneOptionWithOneHelpTextInSimulateAndGenerate() {
        String simulate = optionHelp(GenerateCommandTest.rdu("simulate", "--help").stdout(), "--sockets=N");
        assertTrue(simulate.contains("Split the model over N sockets"), simulate);
        assertEquals(simulate, optionHelp(GenerateCommandTest.rdu("generate", "--help").stdout(), "--sockets=N"));
        assertEquals(simulate, optionHelp(GenerateCommandTest.rdu("chat", "--help").stdout(), "--sockets=N"));
    }

    /** The help of {@code option}: its line and the wrapped lines of its description that follow. */
    private static String optionHelp(String help, String option) {
        List<String> lines = help.lines().toList();
        int first = 0;
        while (!lines.get(first).trim().startsWith(option)) {
            first++;
        }
        int end = first + 1;
        while (end < lines.size() && !lines.get(end).trim().startsWith("-")) {
            end++;
        }
        return String.join("\n", lines.subList(first, end));
    }
}
