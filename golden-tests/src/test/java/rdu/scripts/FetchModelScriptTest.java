package rdu.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/fetch-model as a user calls it: usage errors, dry runs, and a clear message when the Hub is unreachable. */
class FetchModelScriptTest {

    @TempDir
    Path cache;

    record Result(int exitCode, String stdout, String stderr) {
    }

    private Result fetchModel(Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path script = Path.of(System.getProperty("rdu.root"), "scripts", "fetch-model");
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        var builder = new ProcessBuilder(command);
        builder.environment().put("RDU_MODEL_CACHE", cache.toString());
        builder.environment().putAll(env);
        Path out = Files.createTempFile(cache, "out", ".txt");
        Path err = Files.createTempFile(cache, "err", ".txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        int code = builder.start().waitFor();
        return new Result(code, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void noArgumentsPrintsUsageAndFailsWithCode2() throws Exception {
        Result r = fetchModel(Map.of());
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("usage: scripts/fetch-model") && r.stderr().contains("missing OWNER/NAME"),
                r.stderr());
    }

    @Test
    void helpGoesToStdoutAndSucceeds() throws Exception {
        Result r = fetchModel(Map.of(), "--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.stdout().contains("--revision") && r.stdout().contains("HF_TOKEN"), r.stdout());
    }

    @Test
    void malformedRepositoryNamesAndOptionsAreRejected() throws Exception {
        for (String bad : List.of("SmolLM-135M", "a/b/c", "../etc", "owner/")) {
            Result r = fetchModel(Map.of(), bad);
            assertEquals(2, r.exitCode(), bad);
            assertTrue(r.stderr().contains("expected OWNER/NAME"), bad + ": " + r.stderr());
        }
        Result unknown = fetchModel(Map.of(), "--frobnicate", "a/b");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.stderr().contains("unknown option '--frobnicate'"), unknown.stderr());
        Result two = fetchModel(Map.of(), "a/b", "c/d");
        assertEquals(2, two.exitCode());
        assertTrue(two.stderr().contains("one model at a time"), two.stderr());
        Result noValue = fetchModel(Map.of(), "a/b", "--revision");
        assertEquals(2, noValue.exitCode());
        assertTrue(noValue.stderr().contains("--revision needs a value"), noValue.stderr());
    }

    @Test
    void dryRunNamesEveryFileAndTheCacheDirectory() throws Exception {
        Result r = fetchModel(Map.of(), "--dry-run", "--revision", "v1.0", "HuggingFaceTB/SmolLM-135M");
        assertEquals(0, r.exitCode(), r.stderr());
        String base = "https://huggingface.co/HuggingFaceTB/SmolLM-135M/resolve/v1.0/";
        for (String file : List.of("config.json", "tokenizer.json", "generation_config.json")) {
            assertTrue(r.stdout().contains(base + file + " -> " + cache.resolve("HuggingFaceTB/SmolLM-135M/" + file)),
                    r.stdout());
        }
        assertTrue(r.stdout().contains("model.safetensors.index.json"), r.stdout());
        assertTrue(Files.notExists(cache.resolve("HuggingFaceTB")), "a dry run writes nothing");
    }

    @Test
    void unreachableHubIsAClearErrorNotAHang() throws Exception {
        // Port 9 (discard) on loopback refuses at once: the same path as a machine without network access.
        Result r = fetchModel(Map.of("HF_ENDPOINT", "http://127.0.0.1:9"), "HuggingFaceTB/SmolLM-135M");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("cannot reach http://127.0.0.1:9"), r.stderr());
    }
}
