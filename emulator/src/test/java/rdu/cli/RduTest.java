package rdu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** How the rdu command ends when a command fails for a reason that is not the user's: exit 70 and one line. */
class RduTest {

    @Command(name = "fail")
    record Failing(Throwable failure) implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            if (failure instanceof Error error) {
                throw error;
            }
            throw (Exception) failure;
        }
    }

    /** Runs {@code rdu fail} with a subcommand that throws {@code failure}; returns the exit code and stderr. */
    private static GenerateCommandTest.Run failWith(Throwable failure) {
        CommandLine cli = Rdu.commandLine();
        cli.addSubcommand(new Failing(failure));
        var err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("fail");
        return new GenerateCommandTest.Run(code, "", err.toString());
    }

    @Test
    void outOfMemoryIsAnInternalFailureOnOneLineThatSaysHowToGiveMoreMemory() {
        var run = failWith(new OutOfMemoryError("Java heap space"));
        assertEquals(70, run.exitCode(), run.stderr());
        assertEquals(1, run.stderr().lines().count(), run.stderr());
        assertTrue(run.stderr().contains("ran out of memory") && run.stderr().contains("RDU_JAVA_OPTS=-Xmx"),
                run.stderr());
    }

    @Test
    void anyOtherErrorOrBugIsOneLineWithExitSeventy() {
        for (Throwable failure : new Throwable[] {new StackOverflowError(), new IllegalStateException("broken"),
                new NullPointerException()}) {
            var run = failWith(failure);
            assertEquals(70, run.exitCode(), run.stderr());
            assertEquals(1, run.stderr().lines().count(), run.stderr());
            assertTrue(run.stderr().startsWith("rdu: internal error") && run.stderr().contains("rdu.debug"),
                    run.stderr());
            assertFalse(run.stderr().contains("\tat "), run.stderr());
        }
    }
}
