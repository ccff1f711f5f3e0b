package rdu.reproduce;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import rdu.chip.Chip;
import rdu.chip.ChipException;
import rdu.chip.ChipFile;
import rdu.chip.Parameter;
import rdu.progress.Progress;

/**
 * The calibration cross-check: the rows split into halves A and B; each fitted chip parameter refitted by bisection to
 * its row in one half, starting from the given chip files, and every row rerun with the values found, so that the
 * other half's rows are predictions; then the same with the halves swapped. Whether two fits agree, and how well each
 * predicts the rows it never saw, shows how far the shipped calibration is a property of the chip model rather than of
 * the rows it was fitted to. The fits rerun rows many times, so the check is opt-in (rdu reproduce --cross-check).
 */
public final class CrossCheck {

    /** Which figure of a row's emulated text a fit reads (its figures as {@link Sensitivity#figures} finds them). */
    enum Figure {
        FIRST, SMALLEST, LARGEST
    }

    /** How a row's figure follows the parameter: larger with a larger value (UP), or smaller (DOWN). */
    enum Direction {
        UP, DOWN
    }

    /**
     * A published row a parameter is fitted to.
     *
     * @param row       the row's id ({@link Reproduction#ROW_IDS})
     * @param value     the published value the figure must reach, as the row's emulated text writes it (21 for 21%)
     * @param figure    which figure of the emulated text is compared
     * @param direction how the figure moves as the parameter grows
     */
    record Target(String row, double value, Figure figure, Direction direction) {

        Target {
            if (row == null || figure == null || direction == null) {
                throw new IllegalArgumentException("a target needs a row, a figure and a direction, found row " + row
                        + ", figure " + figure + ", direction " + direction);
            }
            if (!(value > 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException("target of row " + row + ": expected a finite published value > 0,"
                        + " found " + value);
            }
        }
    }

    /** The interval a parameter is bisected in, in {@code unit} (one the chip file accepts for the parameter). */
    record Bracket(double low, double high, String unit) {

        Bracket {
            if (!(low >= 0 && low < high) || Double.isInfinite(high) || unit == null || unit.isBlank()) {
                throw new IllegalArgumentException("a bracket needs 0 <= low < high, both finite, and a unit, found "
                        + low + " .. " + high + " " + unit);
            }
        }
    }

    /**
     * One fitted parameter of the calibration plan.
     *
     * @param chip      which chip file holds it: the dataflow chip (--chip) or the kernel-by-kernel one (--gpu)
     * @param parameter its name in the chip file
     * @param bracket   where it is bisected
     * @param a         the row it is fitted to in half A
     * @param b         the row it is fitted to in half B: the same as in A when no other row depends on it
     */
    record Fit(Chip.Execution chip, String parameter, Bracket bracket, Target a, Target b) {

        Fit {
            if (chip == null || parameter == null || parameter.isBlank() || bracket == null || a == null
                    || b == null) {
                throw new IllegalArgumentException("a fit needs a chip, a parameter, a bracket and a target in each"
                        + " half, found " + chip + " " + parameter + " " + bracket + " " + a + " " + b);
            }
        }

        Target target(Side side) {
            return side == Side.A ? a : b;
        }

        String name() {
            return (chip == Chip.Execution.DATAFLOW ? "dataflow chip " : "GPU chip ") + parameter;
        }
    }

    /** The two halves of the rows. */
    enum Side {
        A, B;

        Side other() {
            return this == A ? B : A;
        }
    }

    /**
     * The calibration plan: every fitted chip parameter, in the order it is fitted (as scripts/calibrate fits them),
     * with its row in each half. Half A holds the rows the shipped chip files were fitted to; each half-B row is one
     * that the sensitivity sweep shows the parameter moves strongly and whose published value is a number.
     */
    static final List<Fit> PLAN = List.of(
            new Fit(Chip.Execution.KERNEL_BY_KERNEL, "software_launch", new Bracket(0.5, 10, "us"),
                    new Target("12a", 300, Figure.FIRST, Direction.DOWN),
                    new Target("12b", 21, Figure.FIRST, Direction.DOWN)),
            // row 23's range "45% - 78%" at its upper end: the best evaluated target's percentage
            new Fit(Chip.Execution.DATAFLOW, "hbm_efficiency", new Bracket(0.5, 1, "fraction"),
                    new Target("23", 78, Figure.LARGEST, Direction.UP),
                    new Target("1", 1042, Figure.FIRST, Direction.UP)),
            new Fit(Chip.Execution.DATAFLOW, "kernel_sync", new Bracket(1, 60, "us"),
                    new Target("15", 1.60, Figure.FIRST, Direction.UP),
                    new Target("8", 2.2, Figure.FIRST, Direction.UP)),
            // row 7 is the only row SN40L software_launch moves: fitted to it in both halves; after the pair above,
            // as its speedup compares whole decode steps
            new Fit(Chip.Execution.DATAFLOW, "software_launch", new Bracket(5, 200, "us"),
                    new Target("7", 1.40, Figure.SMALLEST, Direction.UP),
                    new Target("7", 1.40, Figure.SMALLEST, Direction.UP)));

    /** Bisection steps per fit: the bracket narrowed 4096-fold, finer than the rows print their figures. */
    static final int STEPS = 12;
    /**
     * The whole plan is fitted in turn this often, as one fit moves another's row (hbm_efficiency row 15, kernel_sync
     * row 1).
     */
    static final int ROUNDS = 2;

    /**
     * The rows of each half.
     *
     * @param a the rows the plan fits to in half A, then its share of the remaining rows, in the report's order
     * @param b the rows it fits to in half B (not already in A), then the other remaining rows
     */
    record Split(List<String> a, List<String> b) {

        List<String> rows(Side side) {
            return side == Side.A ? a : b;
        }
    }

    /** A parameter's value after one half's fit. */
    record Fitted(Fit fit, String chipName, Parameter shipped, BigDecimal value, String edge) {

        /** The value as the report prints it. */
        String text() {
            return Reproduction.fmt("%.3g %s", value.doubleValue(), fit.bracket().unit());
        }
    }

    /**
     * One half's fit and every row run with it.
     *
     * @param side      the half fitted on
     * @param own       the half's rows, as split
     * @param fitted    the plan's parameters as fitted, in the plan's order
     * @param rows      every row, in the report's order, with the fitted chips
     * @param fittedOn  the rows the parameters were fitted to, in the plan's order
     * @param predicted the other half's rows, less any fitted here too
     */
    public record Half(Side side, List<String> own, List<Fitted> fitted, List<Row> rows, List<String> fittedOn,
                       List<String> predicted) {

        Row row(String id) {
            return rows.stream().filter(r -> r.id().equals(id)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no row " + id + " in half " + side + "'s run"));
        }

        /** The predicted rows that meet their target. */
        long predictionsMet() {
            return predicted.stream().filter(id -> row(id).verdict().met()).count();
        }

        /** The predicted rows' absolute relative errors, where the error is a number (absolute values, ratios). */
        List<Double> predictionErrors() {
            List<Double> errors = new ArrayList<>();
            for (String id : predicted) {
                OptionalDouble e = row(id).verdict().relative();
                if (e.isPresent()) {
                    errors.add(Math.abs(e.getAsDouble()));
                }
            }
            return errors;
        }
    }

    private CrossCheck() {
    }

    /**
     * Fits the plan on each half in turn and runs every row with each fit.
     *
     * @param sn40lFile the dataflow chip, as --chip names it
     * @param gpuFile   the GPU chip, as --gpu names it
     */
    public static List<Half> run(String sn40lFile, String gpuFile, int tokens) {
        return run(sn40lFile, gpuFile, tokens, PLAN, Reproduction.ROW_IDS);
    }

    /** As {@link #run(String, String, int)}, with a given plan over the rows {@code ids}. */
    static List<Half> run(String sn40lFile, String gpuFile, int tokens, List<Fit> plan, List<String> ids) {
        Split split = split(plan, ids);
        Map<Chip.Execution, String> files = Map.of(Chip.Execution.DATAFLOW, sn40lFile,
                Chip.Execution.KERNEL_BY_KERNEL, gpuFile);
        for (Fit fit : plan) { // a bracket the chip file refuses fails now, not minutes into the fits
            for (double end : List.of(fit.bracket().low(), fit.bracket().high())) {
                BigDecimal value = BigDecimal.valueOf(end).stripTrailingZeros();
                try {
                    ChipFile.withValues(files.get(fit.chip()), List.of(setting(fit, value)));
                } catch (ChipException e) {
                    throw new IllegalArgumentException("cross-check plan, " + fit.name() + ": its bracket end "
                            + value.toPlainString() + " " + fit.bracket().unit() + " is refused: " + e.getMessage(),
                            e);
                }
            }
        }
        long total = 2 * ((long) ROUNDS * plan.size() * STEPS + ids.size());
        List<Half> halves = new ArrayList<>();
        try (var progress = Progress.onStderr("cross-check")) { // about a minute: a row reruns at every step
            var fitter = new Fitter(files, tokens, progress, total);
            for (Side side : Side.values()) {
                halves.add(fitter.half(side, plan, split, ids));
            }
        }
        return List.copyOf(halves);
    }

    /**
     * Splits {@code ids}: the rows the plan fits to in half A go to A, those it fits to in half B to B (a row fitted in
     * both halves stays in A), and the remaining rows alternate in the order given, the smaller half first (A if
     * neither).
     *
     * @throws IllegalArgumentException for a plan that names a row not in {@code ids}, fits one parameter twice,
     *                                  fits two parameters to one row in a half, or puts a row in both halves
     */
    static Split split(List<Fit> plan, List<String> ids) {
        Set<String> parameters = new HashSet<>();
        Map<String, Side> pinned = new HashMap<>();
        Map<String, Fit> pinnedBy = new HashMap<>();
        for (Fit fit : plan) {
            if (!parameters.add(fit.name())) {
                throw new IllegalArgumentException("cross-check plan: " + fit.name() + " is fitted twice");
            }
            for (Side side : Side.values()) {
                String row = fit.target(side).row();
                if (!ids.contains(row)) {
                    throw new IllegalArgumentException("cross-check plan, " + fit.name() + ": half " + side
                            + " fits it to row " + row + ", not one of the rows " + ids);
                }
                for (Fit other : plan) {
                    if (other != fit && other.target(side).row().equals(row)) {
                        throw new IllegalArgumentException("cross-check plan: row " + row + " is the target of both "
                                + other.name() + " and " + fit.name() + " in half " + side
                                + "; one row fits one parameter");
                    }
                }
                Side was = pinned.putIfAbsent(row, side);
                if (was != null && was != side && pinnedBy.get(row) != fit) {
                    throw new IllegalArgumentException("cross-check plan: row " + row + " is fitted in half " + was
                            + " (" + pinnedBy.get(row).name() + ") and in half " + side + " (" + fit.name() + ")");
                }
                pinnedBy.putIfAbsent(row, fit);
            }
        }
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        for (String id : ids) {
            if (pinned.get(id) == Side.A) {
                a.add(id);
            } else if (pinned.get(id) == Side.B) {
                b.add(id);
            }
        }
        boolean toA = a.size() <= b.size();
        for (String id : ids) {
            if (!pinned.containsKey(id)) {
                (toA ? a : b).add(id);
                toA = !toA;
            }
        }
        return new Split(List.copyOf(a), List.copyOf(b));
    }

    private static ChipFile.Setting setting(Fit fit, BigDecimal value) {
        return new ChipFile.Setting(fit.parameter(), value, fit.bracket().unit());
    }

    /** Bisects the plan's parameters on the chip files, counting its row runs on one progress bar. */
    private static final class Fitter {
        private final Map<Chip.Execution, String> files;
        private final int tokens;
        private final Progress progress;
        private final long total;
        private long done;

        Fitter(Map<Chip.Execution, String> files, int tokens, Progress progress, long total) {
            this.files = files;
            this.tokens = tokens;
            this.progress = progress;
            this.total = total;
        }

        Half half(Side side, List<Fit> plan, Split split, List<String> ids) {
            Map<Fit, BigDecimal> values = new LinkedHashMap<>(); // the fits so far; the rest as the files write them
            Map<Fit, String> edges = new HashMap<>();
            for (int round = 1; round <= ROUNDS; round++) {
                for (Fit fit : plan) {
                    String label = "half " + side + ", round " + round + ": " + fit.name() + " to row "
                            + fit.target(side).row();
                    bisect(fit, fit.target(side), values, edges, label);
                }
            }
            List<Row> rows = Reproduction.rows(chip(Chip.Execution.DATAFLOW, values),
                    chip(Chip.Execution.KERNEL_BY_KERNEL, values), tokens, ids,
                    (n, all, id) -> progress.update(++done, total, "half " + side + ": row " + id));
            List<Fitted> fitted = new ArrayList<>();
            List<String> fittedOn = new ArrayList<>();
            for (Fit fit : plan) {
                Chip shipped = ChipFile.load(files.get(fit.chip()));
                fitted.add(new Fitted(fit, shipped.name(), shipped.parameters().get(fit.parameter()), values.get(fit),
                        edges.get(fit)));
                fittedOn.add(fit.target(side).row());
            }
            List<String> predicted = new ArrayList<>(split.rows(side.other()));
            predicted.removeAll(fittedOn);
            return new Half(side, split.rows(side), List.copyOf(fitted), rows, List.copyOf(fittedOn),
                    List.copyOf(predicted));
        }

        /**
         * Bisects {@code fit}'s parameter until its row's figure meets the target, the others at {@code values}, and
         * records the value found and whether the target lay outside the bracket. The value kept is the end of the
         * last interval where the row reaches the target, so that the print's rounding does not leave a fitted
         * lower bound (row 7's 1.4x) just short of it.
         */
        private void bisect(Fit fit, Target target, Map<Fit, BigDecimal> values, Map<Fit, String> edges,
                            String label) {
            double low = fit.bracket().low();
            double high = fit.bracket().high();
            for (int step = 0; step < STEPS; step++) {
                BigDecimal mid = BigDecimal.valueOf((low + high) / 2);
                values.put(fit, mid);
                Row row = Reproduction.rows(chip(Chip.Execution.DATAFLOW, values),
                        chip(Chip.Execution.KERNEL_BY_KERNEL, values), tokens, List.of(target.row()),
                        (n, all, id) -> { }).getFirst();
                progress.update(++done, total, label);
                // the figure is rounded as printed: one equal to its target on a row that still misses is short of it
                // (row 7's smallest speedup printed 1.40x while 1.396x, below the published 1.4x - 8x)
                double figure = figure(row, target.figure());
                boolean shortOf = figure < target.value() || figure == target.value() && !row.verdict().met();
                if (shortOf == (target.direction() == Direction.UP)) {
                    low = mid.doubleValue();
                } else {
                    high = mid.doubleValue();
                }
            }
            values.put(fit, BigDecimal.valueOf(target.direction() == Direction.UP ? high : low));
            edges.put(fit, low == fit.bracket().low() ? "at the bracket's low end"
                    : high == fit.bracket().high() ? "at the bracket's high end" : "");
        }

        private Chip chip(Chip.Execution which, Map<Fit, BigDecimal> values) {
            List<ChipFile.Setting> settings = new ArrayList<>();
            for (var v : values.entrySet()) {
                if (v.getKey().chip() == which) {
                    settings.add(setting(v.getKey(), v.getValue()));
                }
            }
            return ChipFile.withValues(files.get(which), settings);
        }
    }

    /** The figure of a row's emulated text a fit compares with its target. */
    static double figure(Row row, Figure which) {
        List<Double> figures = Sensitivity.figures(row.emulated()).stream().map(Double::parseDouble).toList();
        if (figures.isEmpty()) {
            throw new IllegalStateException("row " + row.id() + ": no figure to fit in its emulated value \""
                    + row.emulated() + "\"");
        }
        return switch (which) {
            case FIRST -> figures.getFirst();
            case SMALLEST -> Collections.min(figures);
            case LARGEST -> Collections.max(figures);
        };
    }
}
