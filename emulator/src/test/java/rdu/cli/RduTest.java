package rdu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import rdu.testing.SeparateJvm;

/**
 * rdu's main in a process of its own under a given locale (the JVM decodes the command line and encodes the standard
 * streams in the locale's charset, which under LC_ALL=C is ASCII), and how the rdu command ends when a command fails
 * for a reason that is not the user's: exit 70 and one line.
 */
class RduTest {

    static final String EMOJI = "😀🚀🐈";
    static final String STORIES = GenerateCommandTest.sharedModel("models/stories260K-hf").toString();

    static SeparateJvm rdu(String locale, String... args) throws Exception {
        return SeparateJvm.run(Map.of("LC_ALL", locale), List.of(), Rdu.class, args);
    }

    /** Standard error without the JVM's own warning about the incubating Vector API. */
    static List<String> errorLines(SeparateJvm run) {
        return run.stderr().lines().filter(line -> !line.startsWith("WARNING: Using incubator modules")).toList();
    }

    /** Every command's and subcommand's usage text, the way --help renders it. */
    private static void renderHelp(CommandLine cli, StringBuilder into) {
        into.append(cli.getUsageMessage());
        for (CommandLine sub : cli.getSubcommands().values()) {
            renderHelp(sub, into);
        }
    }

    @Test
    void everyCommandsHelpRendersWithoutAPicocliWarning() {
        // picocli warns on stderr when a description is not a valid format string (a lone %), and prints it raw
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StringBuilder help = new StringBuilder();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            renderHelp(Rdu.commandLine(), help);
        } finally {
            System.setErr(saved);
        }
        assertEquals("", err.toString(StandardCharsets.UTF_8));
        assertTrue(help.toString().contains("% of the roofline"), "the reproduce help shows its percent sign");
    }

    @Test
    void aRunNamingACommandBuildsThatCommandAloneAndAnyOtherRunBuildsThemAll() {
        assertEquals(List.of("generate", "help"),
                List.copyOf(Rdu.commandLine(new String[] {"generate", "--max-tokens", "2"}).getSubcommands().keySet()));
        List<String> all = List.copyOf(Rdu.commandLine().getSubcommands().keySet());
        assertEquals(8, all.size(), all.toString());
        for (String[] args : List.of(new String[0], new String[] {"--help"}, new String[] {"help", "simulate"},
                new String[] {"generat"})) {
            assertEquals(all, List.copyOf(Rdu.commandLine(args).getSubcommands().keySet()), String.join(" ", args));
        }
    }

    @Test
    void nonAsciiArgumentsUnderAnAsciiLocaleAreRefusedInsteadOfReadAsQuestionMarks() throws Exception {
        var run = rdu("C", "generate", "--model", STORIES, "--prompt", EMOJI, "--max-tokens", "2");
        assertEquals(1, run.exitCode(), run.stderr());
        assertEquals("", run.stdout(), "nothing generated");
        List<String> error = errorLines(run);
        assertEquals(1, error.size(), run.stderr());
        assertTrue(error.getFirst().startsWith("rdu: error: ") && error.getFirst().contains("LC_ALL=C.UTF-8"),
                run.stderr());
    }

    @Test
    void underAUtf8LocaleTheyAreReadAsTyped() throws Exception {
        var run = rdu("C.UTF-8", "generate", "--model", STORIES, "--prompt", EMOJI, "--max-tokens", "2");
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stdout().startsWith(EMOJI), run.stdout());
    }

    @Test
    void standardOutputAndErrorAreUtf8WhateverTheLocale(@TempDir Path dir) throws Exception {
        Path prompts = Files.writeString(dir.resolve("prompts.txt"), EMOJI + "\n");
        Path golden = dir.resolve("golden.jsonl");
        var record = rdu("C", "golden", "record", "--model", STORIES, "--prompts", prompts.toString(), "--out",
                golden.toString(), "--max-tokens", "2");
        assertEquals(0, record.exitCode(), record.stderr());
        assertTrue(record.stderr().contains("\"" + EMOJI + "\""), "the prompt read from its file: " + record.stderr());
        var check = rdu("C", "golden", "check", golden.toString());
        assertEquals(0, check.exitCode(), check.stderr());
        assertTrue(check.stdout().contains("prompt \"" + EMOJI + "\""), check.stdout());
    }

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
    void anInputOutputFailureSaysWhatWasBeingDoneAndWhyInWords() {
        var run = failWith(new UncheckedIOException("writing trace /tmp/t.json",
                new FileSystemException("/tmp/t.json", null, "No space left on device")));
        assertEquals(1, run.exitCode(), run.stderr());
        assertEquals("rdu: error: writing trace /tmp/t.json: No space left on device", run.stderr().strip());
        run = failWith(new UncheckedIOException("writing /tmp/c.csv", new AccessDeniedException("/tmp/c.csv")));
        assertEquals("rdu: error: writing /tmp/c.csv: permission denied", run.stderr().strip());
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
