package rdu.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import rdu.trace.ChromeTrace;
import rdu.trace.TraceSteps;

/** {@code --trace} and {@code --trace-steps}, shared by the commands that write a Chrome trace. */
final class TraceMixin {

    @Option(names = "--trace", paramLabel = "FILE",
            description = "Write the modeled schedule as Chrome Trace Event JSON (open it in ui.perfetto.dev).")
    Path file;

    @Option(names = "--trace-steps", paramLabel = "FROM-TO",
            description = {"Steps (0-based, as the trace's step slices number them: a prompt's prefill is step 0)"
                    + " whose every slice the trace keeps; every other step keeps one slice per socket and host and per-step bandwidth counters.",
                    "Default: the first 20 steps and the last."})
    String steps;

    /**
     * Opens the trace of a run of {@code runSteps} steps on {@code sockets} sockets, or returns null without
     * {@code --trace}.
     *
     * @throws Rdu.UsageException if {@code --trace-steps} is malformed, outside the run, or given without --trace
     */
    ChromeTrace open(String chipName, int sockets, int runSteps) {
        if (file == null) {
            if (steps != null) {
                throw new Rdu.UsageException("--trace-steps " + steps + " needs --trace FILE");
            }
            return null;
        }
        TraceSteps inFull;
        try {
            inFull = steps == null ? TraceSteps.DEFAULT : TraceSteps.parse(steps, runSteps);
        } catch (IllegalArgumentException e) {
            throw new Rdu.UsageException("--trace-steps: " + e.getMessage());
        }
        return new ChromeTrace(file, chipName, sockets, inFull);
    }
}
