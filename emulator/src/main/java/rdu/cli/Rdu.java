package rdu.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import rdu.chip.ChipException;
import rdu.convert.ConversionException;
import rdu.runtime.GenerationException;
import rdu.memory.CapacityException;
import rdu.pcu.AllocationException;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;

/** The {@code rdu} command: entry point of the emulator. */
@Command(name = "rdu", mixinStandardHelpOptions = true, version = "rdu-emu 0.1.0",
        description = "Runs real LLM weights on an emulated SambaNova SN40L RDU.")
public final class Rdu {

    /** The commands, in the order help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(GenerateCommand.class, ChatCommand.class,
            SimulateCommand.class, BenchCommand.class, ConvertCommand.class, GoldenCommand.class,
            ReproduceCommand.class);

    public static void main(String[] args) {
        // UTF-8 whatever the locale: the generated text's bytes are UTF-8, and so is every file rdu reads
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        String unread = unreadArgument(args);
        if (unread != null) {
            System.err.println("rdu: error: " + unread + " holds characters that the locale's charset "
                    + System.getProperty("sun.jnu.encoding") + " cannot carry; run rdu under a UTF-8 locale, e.g."
                    + " LC_ALL=C.UTF-8 (scripts/rdu sets one)");
            System.exit(1);
        }
        System.exit(commandLine(args).execute(args));
    }

    /**
     * The first argument the JVM could not read, or null. The JVM decodes the command line in the locale's charset,
     * so under LC_ALL=C every non-ASCII byte is lost (an emoji reads as '?'s); on Linux /proc/self/cmdline holds the bytes as given, the
     * arguments last, each ended by a NUL.
     */
    static String unreadArgument(String[] args) {
        if (args.length == 0 || "UTF-8".equals(System.getProperty("sun.jnu.encoding"))) {
            return null;
        }
        String cmdline;
        try {
            cmdline = new String(Files.readAllBytes(Path.of("/proc/self/cmdline")), StandardCharsets.ISO_8859_1);
        } catch (IOException notLinux) {
            return null; // nothing to check against (macOS decodes the command line as UTF-8 anyway)
        }
        String[] words = cmdline.split("\0", -1); // one byte a char; the last word is the empty one after the last NUL
        int first = words.length - 1 - args.length;
        for (int i = 0; i < args.length && first >= 0; i++) {
            if (words[first + i].chars().anyMatch(c -> c > 0x7f)) {
                return "argument " + (i + 1) + (i > 0 ? " (after " + args[i - 1] + ")" : "");
            }
        }
        return null;
    }

    /** The configured command line with every command, also used by tests. */
    public static CommandLine commandLine() {
        return commandLine(COMMANDS);
    }

    /**
     * The command line for these arguments: when they name a command, with that command alone. picocli builds a
     * command from its annotations by reflection in interpreted code (its classes are Java 5 bytecode, which the AOT
     * cache does not hold), and building the other six took ~150 ms of every run's start-up.
     */
    static CommandLine commandLine(String[] args) {
        for (Class<?> command : COMMANDS) {
            if (args.length > 0 && command.getAnnotation(Command.class).name().equals(args[0])) {
                return commandLine(List.of(command));
            }
        }
        return commandLine(COMMANDS);
    }

    private static CommandLine commandLine(List<Class<?>> commands) {
        var cli = new CommandLine(new Rdu());
        for (Class<?> command : commands) {
            cli.addSubcommand(command);
        }
        cli.addSubcommand(new CommandLine.HelpCommand());
        cli.setExecutionExceptionHandler(Rdu::handle);
        // picocli hands only Exceptions to the handler: an Error (out of memory, stack overflow) is wrapped to reach it
        CommandLine.IExecutionStrategy strategy = cli.getExecutionStrategy();
        cli.setExecutionStrategy(parsed -> {
            try {
                return strategy.execute(parsed);
            } catch (Error e) {
                throw new CommandLine.ExecutionException(parsed.commandSpec().commandLine(), e.toString(), e);
            }
        });
        return cli;
    }

    /**
     * Errors a user can act on get one clear line and exit 1; anything else is a failure of rdu itself (a bug, or the
     * JVM out of memory) and gets one line and exit 70, with the stack trace only under -Drdu.debug=true.
     */
    private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        Throwable failure = e instanceof CommandLine.ExecutionException && e.getCause() instanceof Error error
                ? error : e;
        boolean userError = e instanceof CheckpointException || e instanceof ChipException
                || e instanceof CapacityException || e instanceof ConversionException || e instanceof GenerationException
                || e instanceof UsageException || e instanceof AllocationException || e instanceof java.io.UncheckedIOException;
        if (e instanceof java.io.UncheckedIOException io) { // its message says what was being done; the cause says why
            err.println("rdu: error: " + io.getMessage() + ": " + CheckpointFiles.reason(io.getCause()));
        } else if (userError) {
            err.println("rdu: error: " + e.getMessage());
        } else if (failure instanceof OutOfMemoryError) {
            err.printf(Locale.ROOT, "rdu: internal error: the JVM ran out of memory (%s) with a heap limit of %,d MB;"
                    + " give it more with RDU_JAVA_OPTS=-Xmx<size> (e.g. RDU_JAVA_OPTS=-Xmx16g scripts/rdu ...)%n",
                    failure.getMessage(), Runtime.getRuntime().maxMemory() >> 20);
        } else {
            err.println("rdu: internal error (please report it with the command line you ran; RDU_JAVA_OPTS="
                    + "-Drdu.debug=true prints the stack trace): " + failure.getClass().getSimpleName()
                    + (failure.getMessage() == null ? "" : ": " + failure.getMessage().replaceAll("\\s*\\R\\s*", " ")));
        }
        if (!userError && Boolean.getBoolean("rdu.debug")) {
            failure.printStackTrace(err);
        }
        err.flush();
        return userError ? 1 : 70;
    }

    /** A bad combination of arguments found after parsing (e.g. no model anywhere). */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
