package rdu.scripts;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rdu.testing.SeparateJvm;

/** scripts/rdu from a shell whose locale is not UTF-8, and the JVM options scripts/lib.sh gives every run. */
class RduScriptTest {

    @Test
    void readsANonAsciiPromptUnderTheCLocale() throws Exception {
        // the JVM decodes its command line (and file names) in the locale's charset: ASCII under LC_ALL=C
        Script r = Script.run("rdu", Map.of("LC_ALL", "C"), "generate", "--prompt", "😀🚀🐈", "--max-tokens",
                "2");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("😀🚀🐈"), r.stdout());
    }

    @Test
    void theClassesTheJitOptionsNameExist() throws Exception {
        // a CompileCommand whose class was renamed or moved matches nothing, and says nothing (it is "quiet")
        String libSh = Path.of(System.getProperty("rdu.root"), "scripts", "lib.sh").toString();
        SeparateJvm args = SeparateJvm.exec(Map.of(), List.of("bash", "-c",
                "source \"$1\" && printf '%s\\n' \"${RDU_JVM_ARGS[@]}\"", "lib.sh", libSh));
        assertEquals(0, args.exitCode(), args.stderr());
        List<String> patterns = args.stdout().lines()
                .filter(a -> a.startsWith("-XX:CompileCommand=") && a.contains("::"))
                .map(a -> a.split(",")[1])
                .toList();
        assertFalse(patterns.isEmpty(), "no CompileCommand naming a method in " + args.stdout());
        for (String pattern : patterns) {
            String className = pattern.substring(0, pattern.indexOf("::"));
            assertDoesNotThrow(() -> Class.forName(className, false, getClass().getClassLoader()),
                    pattern + " in scripts/lib.sh names no class of this build");
        }
    }
}
