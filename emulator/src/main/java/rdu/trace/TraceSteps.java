package rdu.trace;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The steps (the prefill, decode and speculative steps) a trace keeps every slice of. A step of a large model has thousands of slices (a megabyte of
 * JSON), so a long run keeps them for a window only; every other step gets one summary slice per process and
 * per-step bandwidth counters.
 *
 * @param from first step kept in full (0-based, as the trace's "token N" marks count)
 * @param to   last step kept in full
 * @param last whether the run's last step is kept in full too, wherever it falls
 */
public record TraceSteps(int from, int to, boolean last) {

    /** The first 20 steps (the start of the run, and a full ScheduleOffloading window of 20 steps) and the last. */
    public static final TraceSteps DEFAULT = new TraceSteps(0, 19, true);

    private static final Pattern RANGE = Pattern.compile("(\\d{1,9})-(\\d{1,9})");

    /**
     * Parses {@code FROM-TO} for a run of {@code runSteps} steps (0 to runSteps - 1).
     *
     * @throws IllegalArgumentException saying what was expected and what was found
     */
    public static TraceSteps parse(String text, int runSteps) {
        Matcher m = RANGE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected FROM-TO, two step numbers such as 0-19, found '"
                    + text + "'");
        }
        int from = Integer.parseInt(m.group(1));
        int to = Integer.parseInt(m.group(2));
        if (from > to) {
            throw new IllegalArgumentException("expected FROM <= TO, found " + text);
        }
        if (to >= runSteps) {
            throw new IllegalArgumentException("expected steps within the run, found " + text + ": the run has "
                    + (runSteps == 0 ? "no steps" : runSteps + " steps, 0 to " + (runSteps - 1)));
        }
        return new TraceSteps(from, to, false);
    }

    /** Whether step {@code step} keeps every slice; {@code isLast} tells whether it is the run's last step. */
    public boolean inFull(int step, boolean isLast) {
        return from <= step && step <= to || last && isLast;
    }
}
