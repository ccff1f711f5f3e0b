package rdu.reproduce;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import rdu.chip.Chip;
import rdu.chip.ChipException;
import rdu.chip.ChipFile;
import rdu.chip.Parameter;
import rdu.progress.Progress;

/**
 * The sensitivity table: every unpublished chip parameter (an assumption, fitted or not) alone at 0.5x and 2x its
 * value, on an in-memory copy of its chip file, and how far each row's emulated figures move. A reader sees which
 * conclusions rest on which guess. Each variation reruns the rows, so the sweep is opt-in (rdu reproduce
 * --sensitivity).
 */
public final class Sensitivity {

    /** The factors each parameter is scaled by, one at a time. */
    static final List<BigDecimal> FACTORS = List.of(new BigDecimal("0.5"), new BigDecimal("2"));
    /** A row moves when one of its emulated figures changes by more than this, relative. */
    static final double VISIBLE = 0.02;

    /**
     * One parameter of one chip scaled by one factor.
     *
     * @param chip      the chip's name
     * @param parameter the parameter as the shipped (or given) chip file writes it
     * @param factor    the factor its value was scaled by
     * @param skipped   why the variation was not run (its value out of the parameter's range), or "" when it was
     * @param moves     every row, in the report's order, with the change of its emulated figures
     */
    public record Variation(String chip, Parameter parameter, BigDecimal factor, String skipped, List<Move> moves) {
    }

    /**
     * How one row's emulated value changed under a variation: its figure that changed most, relatively.
     *
     * @param change  after / before - 1 of that figure; NaN when the emulated text changed its figures' count (a
     *                run that stopped fitting, say)
     * @param before  the figure in the report, or the whole emulated text when the count changed
     * @param after   the same under the variation
     * @param flipped whether the verdict changed between met and missed
     */
    public record Move(Row row, double change, String before, String after, boolean flipped) {

        /** Moved visibly: a figure by more than {@link #VISIBLE}, a changed text, or a flipped verdict. */
        boolean visible() {
            return Double.isNaN(change) || Math.abs(change) > VISIBLE || flipped;
        }
    }

    private Sensitivity() {
    }

    /** Whether a chip file's source marks the value as unpublished: an assumption, or a calibrated one. */
    static boolean unpublished(Parameter p) {
        return p.source().startsWith("assumption") || p.source().startsWith("calibrated");
    }

    /**
     * Varies every unpublished parameter of both chip files and reruns the rows {@code baseline} holds.
     *
     * @param sn40lFile the SN40L chip, as --chip names it
     * @param gpuFile   the GPU chip, as --gpu names it
     * @param baseline  the rows with both chips as written, at the same {@code tokens}
     */
    public static List<Variation> sweep(String sn40lFile, String gpuFile, int tokens, List<Row> baseline) {
        return sweep(sn40lFile, gpuFile, tokens, baseline, name -> true);
    }

    /** As {@link #sweep(String, String, int, List)}, over the parameters {@code varied} takes ("SN40L host_step"). */
    static List<Variation> sweep(String sn40lFile, String gpuFile, int tokens, List<Row> baseline,
                                 Predicate<String> varied) {
        List<String> files = List.of(sn40lFile, gpuFile);
        List<Chip> chips = List.of(ChipFile.load(sn40lFile), ChipFile.load(gpuFile));
        List<String> ids = baseline.stream().map(Row::id).toList();
        long total = chips.stream().mapToLong(c -> swept(c, varied).size()).sum() * FACTORS.size() * ids.size();
        List<Variation> variations = new ArrayList<>();
        try (var progress = Progress.onStderr("sensitivity")) { // minutes: all the rows again per variation
            for (int c = 0; c < chips.size(); c++) {
                Chip chip = chips.get(c);
                for (Parameter p : swept(chip, varied)) {
                    for (BigDecimal factor : FACTORS) {
                        Chip copy;
                        try {
                            copy = ChipFile.scaled(files.get(c), p.name(), factor);
                        } catch (ChipException outOfRange) { // the message names the copy, then the parameter
                            String why = outOfRange.getMessage();
                            variations.add(new Variation(chip.name(), p, factor,
                                    why.substring(Math.max(0, why.indexOf("parameter \""))), List.of()));
                            continue;
                        }
                        String label = chip.name() + " " + p.name() + " x" + factor.toPlainString();
                        long before = (long) variations.size() * ids.size();
                        List<Row> rows = Reproduction.rows(c == 0 ? copy : chips.get(0), c == 1 ? copy : chips.get(1),
                                tokens, ids, (done, all, id) -> progress.update(before + done, total,
                                        label + ": row " + id));
                        List<Move> moves = new ArrayList<>();
                        for (int i = 0; i < ids.size(); i++) {
                            moves.add(move(baseline.get(i), rows.get(i)));
                        }
                        variations.add(new Variation(chip.name(), p, factor, "", List.copyOf(moves)));
                    }
                }
            }
        }
        return List.copyOf(variations);
    }

    /** A chip's unpublished parameters that {@code varied} takes, by "chip parameter". */
    private static List<Parameter> swept(Chip chip, Predicate<String> varied) {
        return chip.parameters().values().stream()
                .filter(p -> unpublished(p) && varied.test(chip.name() + " " + p.name())).toList();
    }

    /** The figure of a row's emulated text that changed most, relatively. */
    static Move move(Row before, Row after) {
        boolean flipped = before.verdict().met() != after.verdict().met();
        List<String> was = figures(before.emulated());
        List<String> now = figures(after.emulated());
        if (was.size() != now.size()) {
            return new Move(before, Double.NaN, before.emulated(), after.emulated(), flipped);
        }
        Move most = new Move(before, 0, "", "", flipped);
        for (int i = 0; i < was.size(); i++) {
            double a = Double.parseDouble(was.get(i));
            double b = Double.parseDouble(now.get(i));
            double change = a == b ? 0 : a == 0 ? Double.POSITIVE_INFINITY : b / a - 1;
            if (Math.abs(change) > Math.abs(most.change())) {
                most = new Move(before, change, was.get(i), now.get(i), flipped);
            }
        }
        return most;
    }

    /**
     * The numbers of an emulated text that are figures, in order: "1042 tok/s", "72.0%", "1.35x", "B=1/2/4"; not the
     * digits of a model's name ("llama-3.1-8b", "qwen2.5-72b", "mixtral-8x7b") or a socket count ("x16").
     */
    private static final Pattern FIGURE = Pattern.compile("(?<![\\w.\\-])(\\d+(?:\\.\\d+)?)(?:x(?!\\w))?(?![\\w.])");

    static List<String> figures(String text) {
        List<String> figures = new ArrayList<>();
        Matcher m = FIGURE.matcher(text);
        while (m.find()) {
            figures.add(m.group(1));
        }
        return figures;
    }
}
