package rdu.cli;

import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import rdu.chip.ChipException;
import rdu.generate.GenerationException;
import rdu.memory.CapacityException;
import rdu.pcu.AllocationException;
import rdu.model.CheckpointException;

/** The {@code rdu} command: entry point of the emulator. */
@Command(name = "rdu", mixinStandardHelpOptions = true, version = "rdu-emu 0.1.0",
        description = "Runs real LLM weights on an emulated SambaNova SN40L RDU.",
        subcommands = {GenerateCommand.class, SimulateCommand.class, BenchCommand.class, GoldenCommand.class, ReproduceCommand.class,
                CommandLine.HelpCommand.class})
public final class Rdu {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests. */
    public static CommandLine commandLine() {
        var cli = new CommandLine(new Rdu());
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
                || e instanceof CapacityException || e instanceof GenerationException
                || e instanceof UsageException || e instanceof AllocationException || e instanceof java.io.UncheckedIOException;
        if (userError) {
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
