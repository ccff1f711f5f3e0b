package rdu.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bar shows only on a terminal's stderr, and never on stdout. Tests run with stderr in a pipe. */
class ProgressTest {

    private static final String PROPERTY = "rdu.stderr.terminal";

    record Printed(String stdout, String stderr) {
    }

    @AfterEach
    void forgetTheTerminal() {
        System.clearProperty(PROPERTY);
    }

    /** Runs the first of two parts of some work, for longer than the bar's delay, capturing stdout and stderr. */
    private static Printed twoSlowParts(Supplier<Progress> start) throws InterruptedException {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            try (Progress progress = start.get()) {
                Thread.sleep(2100); // past the delay before a bar shows
                progress.update(1, 2, "part 2");
            }
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        return new Printed(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aStderrThatIsNoTerminalGetsNothing() throws InterruptedException {
        assertEquals(new Printed("", ""), twoSlowParts(() -> Progress.onStderr("work")));
    }

    @Test
    void aTerminalsStderrGetsABarThatClearsItselfAndStdoutNothing() throws InterruptedException {
        System.setProperty(PROPERTY, "true"); // as scripts/rdu says when its stderr is a terminal
        Printed printed = twoSlowParts(() -> Progress.onStderr("work"));
        assertEquals("", printed.stdout());
        assertTrue(printed.stderr().contains("work") && printed.stderr().contains("1/2")
                && printed.stderr().contains("part 2"), printed.stderr());
        // the last bar drawn, then blanks over all of it and the cursor back at the line's start
        String err = printed.stderr();
        String lastBar = err.substring(err.lastIndexOf("\rwork") + 1, err.lastIndexOf("part 2") + "part 2".length());
        String after = err.substring(err.lastIndexOf("part 2") + "part 2".length());
        assertTrue(after.isBlank() && after.endsWith("\r") && after.contains(" ".repeat(lastBar.length())),
                "cleared: " + err.replace("\r", "<CR>"));
    }

    @Test
    void besideLinesOnAStdoutThatIsNoTerminalTheBarShows() throws InterruptedException {
        System.setProperty(PROPERTY, "true");
        assertTrue(twoSlowParts(() -> Progress.besideStdoutLines("work")).stderr().contains("work"));
    }
}
