package rdu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rdu simulate: production-scale models from their configs alone, with the same outputs as rdu generate. */
class SimulateCommandTest {

    @TempDir
    Path dir;

    static double tokensPerSecond(String stdout) {
        var m = java.util.regex.Pattern.compile("modeled .*?: ([0-9.]+) tokens/s").matcher(stdout);
        assertTrue(m.find(), stdout);
        return Double.parseDouble(m.group(1));
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
    void moreSocketsDecodeFasterAndKernelLoopingHelps() {
        double eight = tokensPerSecond(GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-8b", "--sockets", "8",
                "--tokens", "20").stdout());
        double sixteen = tokensPerSecond(GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-8b", "--sockets",
                "16", "--tokens", "20").stdout());
        double unlooped = tokensPerSecond(GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-8b", "--sockets",
                "16", "--tokens", "20", "--no-kernel-looping").stdout());
        assertTrue(sixteen > eight, sixteen + " vs " + eight);
        assertTrue(sixteen > unlooped, sixteen + " vs " + unlooped);
    }

    @Test
    void llama405bOnTooFewSocketsIsRefusedWithTheSmallestCountThatFits() {
        var run = GenerateCommandTest.rdu("simulate", "--model", "llama-3.1-405b", "--sockets", "8");
        assertEquals(1, run.exitCode());
        assertTrue(run.stderr().contains("does not fit in the HBM of socket 0") && run.stderr().contains("needs ")
                && run.stderr().contains("available"), run.stderr());
        var suggested = java.util.regex.Pattern.compile("--sockets (\\d+)").matcher(run.stderr());
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
        var calls = java.util.regex.Pattern.compile("kernel calls per token: (\\d+)").matcher(run.stdout());
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
        assertTrue(tokensPerSecond(run.stdout()) > 0, run.stdout());
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
}

