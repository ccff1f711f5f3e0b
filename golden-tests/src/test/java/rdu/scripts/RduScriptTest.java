package rdu.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** scripts/rdu from a shell whose locale is not UTF-8. */
class RduScriptTest {

    @Test
    void readsANonAsciiPromptUnderTheCLocale() throws Exception {
        // the JVM decodes its command line (and file names) in the locale's charset: ASCII under LC_ALL=C
        Script r = Script.run("rdu", Map.of("LC_ALL", "C"), "generate", "--prompt", "😀🚀🐈", "--max-tokens",
                "2");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("😀🚀🐈"), r.stdout());
    }
}
