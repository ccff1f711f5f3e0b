package rdu.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/fetch-model as a user calls it: usage errors, dry runs, and a clear message when the Hub is unreachable. */
class FetchModelScriptTest {

    @TempDir
    Path cache;

    private Script fetchModel(Map<String, String> env, String... args) throws IOException, InterruptedException {
        var withCache = new HashMap<>(env);
        withCache.putIfAbsent("RDU_MODEL_CACHE", cache.toString());
        return Script.run("fetch-model", withCache, args);
    }

    @Test
    void noArgumentsPrintsUsageAndFailsWithCode2() throws Exception {
        Script r = fetchModel(Map.of());
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("usage: scripts/fetch-model") && r.stderr().contains("missing OWNER/NAME"),
                r.stderr());
    }

    @Test
    void helpGoesToStdoutAndSucceeds() throws Exception {
        Script r = fetchModel(Map.of(), "--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.stdout().contains("--revision") && r.stdout().contains("HF_TOKEN"), r.stdout());
    }

    @Test
    void malformedRepositoryNamesAndOptionsAreRejected() throws Exception {
        for (String bad : List.of("SmolLM-135M", "a/b/c", "../etc", "owner/")) {
            Script r = fetchModel(Map.of(), bad);
            assertEquals(2, r.exitCode(), bad);
            assertTrue(r.stderr().contains("expected OWNER/NAME"), bad + ": " + r.stderr());
        }
        Script unknown = fetchModel(Map.of(), "--frobnicate", "a/b");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.stderr().contains("unknown option '--frobnicate'"), unknown.stderr());
        Script two = fetchModel(Map.of(), "a/b", "c/d");
        assertEquals(2, two.exitCode());
        assertTrue(two.stderr().contains("one model at a time"), two.stderr());
        Script noValue = fetchModel(Map.of(), "a/b", "--revision");
        assertEquals(2, noValue.exitCode());
        assertTrue(noValue.stderr().contains("--revision needs a value"), noValue.stderr());
    }

    @Test
    void dryRunNamesEveryFileAndTheCacheDirectory() throws Exception {
        Script r = fetchModel(Map.of(), "--dry-run", "--revision", "v1.0", "HuggingFaceTB/SmolLM-135M");
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
        Script r = fetchModel(Map.of("HF_ENDPOINT", "http://127.0.0.1:9"), "HuggingFaceTB/SmolLM-135M");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("cannot reach http://127.0.0.1:9"), r.stderr());
    }
}
