package rdu.reproduce;

import java.util.Locale;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How far an emulated value is from a published one, and whether it meets the reproduction target: absolute values
 * within 15%, ratios within 25% and on the same side of 1, ranges and bounds hit, trends reproduced.
 *
 * @param error the error as the report prints it
 * @param met   whether the target is met
 */
public record Verdict(String error, boolean met) {

    static final double ABSOLUTE_TOLERANCE = 0.15;
    static final double RATIO_TOLERANCE = 0.25;
    /** A value exactly at a tolerance's edge counts as within it, whatever the rounding of the division. */
    private static final double EDGE = 1e-9;

    /** An absolute number (tokens/s, a utilisation, a count): relative error. */
    static Verdict absolute(double published, double emulated) {
        double relative = emulated / published - 1;
        return new Verdict(String.format(Locale.ROOT, "%+.1f%%", 100 * relative),
                Math.abs(relative) <= ABSOLUTE_TOLERANCE + EDGE);
    }

    /**
     * A speedup: ratio error emulated / published. A speedup on the wrong side of 1 is a miss however close, since
     * the published direction is the point of the result.
     */
    static Verdict ratio(double published, double emulated) {
        double error = emulated / published;
        boolean sameDirection = Math.signum(published - 1) == Math.signum(emulated - 1);
        return new Verdict(String.format(Locale.ROOT, "x%.2f", error),
                sameDirection && Math.abs(error - 1) <= RATIO_TOLERANCE + EDGE);
    }

    /** The error texts of {@link #absolute} ("+1.2%") and {@link #ratio} ("x0.97"). */
    private static final Pattern RELATIVE = Pattern.compile("([+-]\\d+\\.\\d)%");
    private static final Pattern RATIO = Pattern.compile("x(\\d+\\.\\d+)");

    /**
     * The error as a number, emulated / published - 1, for an absolute value or a ratio (as rounded in its text);
     * empty for ranges, bounds and trends, whose error is no such fraction.
     */
    OptionalDouble relative() {
        Matcher m = RELATIVE.matcher(error);
        if (m.matches()) {
            return OptionalDouble.of(Double.parseDouble(m.group(1)) / 100);
        }
        m = RATIO.matcher(error);
        return m.matches() ? OptionalDouble.of(Double.parseDouble(m.group(1)) - 1) : OptionalDouble.empty();
    }

    /** A published range: every emulated value (from {@code min} to {@code max}) must lie inside it. */
    static Verdict range(double low, double high, double min, double max) {
        if (min > max) {
            throw new IllegalArgumentException("min " + min + " > max " + max);
        }
        boolean inside = min >= low && max <= high;
        String where = inside ? "inside" : max < low ? "below" : min > high ? "above" : "partly outside";
        return new Verdict(where, inside);
    }

    /** A published lower bound ("> 85%"). */
    static Verdict atLeast(double bound, double emulated) {
        return new Verdict(String.format(Locale.ROOT, "%+.1f points", 100 * (emulated - bound)), emulated >= bound);
    }

    /** A trend: reproduced or not, with which of its parts failed. */
    static Verdict trend(boolean reproduced, String failedParts) {
        return new Verdict(reproduced ? "reproduced" : "not reproduced: " + failedParts, reproduced);
    }
}
