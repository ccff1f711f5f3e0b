package rdu.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * scripts/calibrate's command line. The calibration itself (about 5 minutes of reproduction runs) is not run here:
 * its result is the fitted values the shipped chip files hold, which the reproduction tests check row by row.
 */
class CalibrateScriptTest {

    @Test
    void helpGoesToStdoutAndSucceeds() throws Exception {
        Script r = Script.run("calibrate", Map.of(), "--help");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("usage: scripts/calibrate [--rounds N]"), r.stdout());
    }

    @Test
    void badArgumentsAreRefusedWithUsageAndCode2() throws Exception {
        for (List<String> args : List.of(List.of("--rounds"), List.of("--rounds", "0"), List.of("--rounds", "two"),
                List.of("--rounds", "2", "extra"), List.of("--fast"))) {
            Script r = Script.run("calibrate", Map.of(), args.toArray(String[]::new));
            assertEquals(2, r.exitCode(), args + ": " + r.stderr());
            assertTrue(r.stderr().startsWith("scripts/calibrate: ") && r.stderr().contains("usage:"),
                    args + ": " + r.stderr());
            assertTrue(r.stdout().isEmpty(), "nothing calibrated for " + args);
        }
    }
}
