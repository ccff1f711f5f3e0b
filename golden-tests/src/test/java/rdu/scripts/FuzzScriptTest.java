package rdu.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** scripts/fuzz's command line; fuzzing itself takes minutes, and the fuzz tests' corpora run in every build. */
class FuzzScriptTest {

    @Test
    void withoutArgumentsItListsEveryFuzzTestOfTheRepository() throws Exception {
        Script r = Script.run("fuzz", Map.of());
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("usage: scripts/fuzz TARGET [--minutes N]"), r.stdout());
        List<String> fuzzTests = fuzzTestClasses();
        assertFalse(fuzzTests.isEmpty());
        for (String name : fuzzTests) {
            assertTrue(r.stdout().contains("(" + name + ")"), name + " is not a target: " + r.stdout());
        }
        assertEquals(r.stdout(), Script.run("fuzz", Map.of(), "--help").stdout());
    }

    @Test
    void badArgumentsAreRefusedWithUsageAndCode2() throws Exception {
        for (List<String> args : List.of(List.of("nosuchparser"), List.of("chip", "--minutes"),
                List.of("chip", "--minutes", "0"), List.of("chip", "--minutes", "five"), List.of("chip", "golden"),
                List.of("chip", "--fast"))) {
            Script r = Script.run("fuzz", Map.of(), args.toArray(String[]::new));
            assertEquals(2, r.exitCode(), args + ": " + r.stderr());
            assertTrue(r.stderr().startsWith("scripts/fuzz: ") && r.stderr().contains("usage:"), args + ": " + r.stderr());
            assertTrue(r.stdout().isEmpty(), "nothing fuzzed for " + args);
        }
    }

    /** Simple names of the *FuzzTest classes under every module's src/test/java. */
    private static List<String> fuzzTestClasses() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of(System.getProperty("rdu.root")), 8)) {
            return files.filter(f -> f.toString().contains("/src/test/java/") && f.toString().endsWith("FuzzTest.java"))
                    .map(f -> f.getFileName().toString().replace(".java", "")).sorted().toList();
        }
    }
}
