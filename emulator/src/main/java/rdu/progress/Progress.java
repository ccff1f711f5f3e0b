package rdu.progress;

import java.io.PrintStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr for work that takes more than a few seconds. It shows only when stderr is a terminal (never
 * in a pipe or a log), only once the work has run for {@link #DELAY} (quick runs print nothing extra), and it clears
 * itself when done. Never on stdout, which carries the results.
 */
public final class Progress implements AutoCloseable {

    private static final Duration DELAY = Duration.ofSeconds(2);
    private static final int STDOUT = 1;
    private static final int STDERR = 2;

    private final String task;
    private final boolean shown;
    private final long startNanos = System.nanoTime();
    private final PrintStream err = System.err;
    private ProgressBar bar;
    private BarLine line;

    private Progress(String task, boolean shown) {
        this.task = task;
        this.shown = shown;
    }

    /** Progress of work whose results go to stdout at the end. */
    public static Progress onStderr(String task) {
        return new Progress(task, stderrIsTerminal());
    }

    /**
     * Progress of work that prints a line on stdout as each part ends: on a terminal those lines already show the
     * progress (and a bar drawn among them would garble them), so the bar shows only while stdout goes elsewhere.
     */
    public static Progress besideStdoutLines(String task) {
        return new Progress(task, stderrIsTerminal() && !isTerminal(STDOUT));
    }

    /** {@code done} parts of {@code total} are finished; {@code current} names the one under way, or is null. */
    public void update(long done, long total, String current) {
        if (bar == null && shown && System.nanoTime() - startNanos >= DELAY.toNanos()) {
            line = new BarLine(err);
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(line).startsFrom(0, Duration.ofNanos(System.nanoTime() - startNanos)).build();
        }
        if (bar != null) {
            bar.maxHint(total);
            bar.stepTo(done);
            bar.setExtraMessage(current == null ? "" : current);
        }
    }

    /** Stops the bar and clears its line (the library clears only a bar it has drawn more than once). */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            line.clear();
            err.print('\r');
            err.flush();
        }
    }

    /**
     * Whether stderr ends in a terminal: scripts/rdu filters the JVM's stderr through a pipe and says where that goes
     * in the property {@code rdu.stderr.terminal}; otherwise stderr itself is asked.
     */
    private static boolean stderrIsTerminal() {
        String filtered = System.getProperty("rdu.stderr.terminal");
        return filtered == null ? isTerminal(STDERR) : Boolean.parseBoolean(filtered);
    }

    /**
     * Whether a file descriptor is a terminal, by the C library's isatty: Java tells it for stdin and stdout together
     * (System.console()), not for stderr alone.
     */
    private static boolean isTerminal(int fd) {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle isatty = linker.downcallHandle(linker.defaultLookup().find("isatty").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return (int) isatty.invokeExact(fd) == 1;
        } catch (Throwable noCLibrary) {
            return false; // nothing to ask: no bar
        }
    }

    /** Draws the bar over itself with carriage returns; {@link Progress#close()} clears it, with no line break. */
    private static final class BarLine extends ConsoleProgressBarConsumer {

        BarLine(PrintStream err) {
            super(err);
        }

        @Override
        public void close() {
        }
    }
}
