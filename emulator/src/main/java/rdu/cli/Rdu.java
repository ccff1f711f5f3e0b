package rdu.cli;

import java.io.PrintWriter;
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
        return cli;
    }

    /** Errors a user can act on get one clear line; anything else is a bug and keeps its stack trace. */
    private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        boolean userError = e instanceof CheckpointException || e instanceof ChipException
                || e instanceof CapacityException || e instanceof GenerationException
                || e instanceof UsageException || e instanceof AllocationException || e instanceof java.io.UncheckedIOException;
        if (!userError) {
            err.println("rdu: internal error (please report it with the command line you ran):");
            e.printStackTrace(err);
            return 70;
        }
        err.println("rdu: error: " + e.getMessage());
        err.flush();
        return 1;
    }

    /** A bad combination of arguments found after parsing (e.g. no model anywhere). */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
