package rdu.reproduce;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import rdu.chip.Chip;
import rdu.chip.Parameter;
import rdu.report.TimingSummary;

/** Writes the reproduction report: report.md and its PNG plots, and the short table the command prints. */
public final class ReportWriter {

    private ReportWriter() {
    }

    /**
     * The opt-in sections' results, each empty when it was not run.
     *
     * @param sensitivity the sensitivity sweep's variations (--sensitivity)
     * @param crossCheck  the cross-check's two halves (--cross-check)
     */
    public record Sweeps(List<Sensitivity.Variation> sensitivity, List<CrossCheck.Half> crossCheck) {

        public static Sweeps none() {
            return new Sweeps(List.of(), List.of());
        }

        public Sweeps withSensitivity(List<Sensitivity.Variation> variations) {
            return new Sweeps(variations, crossCheck);
        }

        public Sweeps withCrossCheck(List<CrossCheck.Half> halves) {
            return new Sweeps(sensitivity, halves);
        }
    }

    /**
     * Writes {@code dir}/report.md and the plots; returns the report's path.
     *
     * @param chipFiles which chip files the runs used, as the report should name them
     */
    public static Path write(Path dir, Reproduction.Result result, List<Chip> chips, String chipFiles, int tokens,
                             Sweeps sweeps) throws IOException {
        Files.createDirectories(dir);
        for (Plot plot : result.plots()) {
            Plots.write(plot, dir);
        }
        Path report = dir.resolve("report.md");
        Files.writeString(report, markdown(result, chips, chipFiles, tokens, sweeps));
        return report;
    }

    static String markdown(Reproduction.Result result, List<Chip> chips, String chipFiles, int tokens,
                           Sweeps sweeps) {
        var md = new StringBuilder();
        List<Row> predictions = result.rows().stream().filter(r -> !r.fitted()).toList();
        long met = predictions.stream().filter(r -> r.verdict().met()).count();
        md.append("# SN40L published results against rdu-emu\n\n")
                .append("Written by `rdu reproduce`: timing-only decode runs (BF16 weights, FP8 where the papers use it) of the catalog models (shapes only,")
                .append(" no weights), ").append(tokens)
                .append(" decode steps per run (speculative runs: their first ").append(tokens)
                .append(" steps, each k draft passes and one verify pass), with ").append(chipFiles)
                .append(". Published values: `shared/reference/published-results.md` section 3; rows t1-t3 are the")
                .append(" trends stated after its table.\n\n")
                .append("Targets: absolute numbers within 15% (relative error), ratios within 25% (ratio error =")
                .append(" emulated / published) and on the published side of 1, ranges and bounds hit, trends")
                .append(" reproduced. Rows marked *fitted* had one chip parameter calibrated to them (see")
                .append(" Calibration): they show the fit, not a prediction.\n\n")
                .append("**").append(met).append(" of ").append(predictions.size())
                .append(" predictions meet their target**; ").append(result.rows().size() - predictions.size())
                .append(" rows are calibration targets.\n\n");

        md.append("## Results\n\n| # | result | configuration | published | emulated | error | verdict |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (Row r : result.rows()) {
            md.append("| ").append(r.id()).append(" | ").append(cell(r.description())).append(" | ")
                    .append(cell(r.configuration())).append(" | ").append(cell(r.published())).append(" | ")
                    .append(cell(r.emulated())).append(" | ").append(cell(r.verdict().error())).append(" | ")
                    .append(r.status()).append(" |\n");
        }

        roofline(md, result.roofline());

        md.append("\n## Calibration\n\nEach parameter below is an unpublished (\"assumption\") chip parameter whose")
                .append(" value was fitted, by bisection with these same runs, to the single published row its source")
                .append(" names (SN40L hbm_efficiency, fitted to row 23, also moves row 15, kernel_sync's row, so the")
                .append(" two were bisected in turn until both rows held; `scripts/calibrate` repeats the fits). One")
                .append(" parameter is fitted per mechanism: memory (hbm_efficiency), the per-layer boundary")
                .append(" (kernel_sync), software launch (software_launch, one per chip). No other row was used")
                .append(" to fit anything: every row not marked")
                .append(" *fitted* is a prediction.\n\n")
                .append("| chip | parameter | value | source (from the chip file) |\n|---|---|---|---|\n");
        for (Chip chip : chips) {
            for (Parameter p : chip.parameters().values()) {
                if (p.source().startsWith("calibrated")) {
                    md.append("| ").append(chip.name()).append(" | ").append(p.name()).append(" | ")
                            .append(value(p)).append(" | ").append(cell(p.source())).append(" |\n");
                }
            }
        }
        md.append("\nFitted rows and how close the fit came:\n\n");
        for (Row r : result.rows()) {
            if (r.fitted()) {
                md.append("- row ").append(r.id()).append(": published ").append(r.published()).append(", emulated ")
                        .append(r.emulated()).append(" (").append(r.verdict().error()).append(")\n");
            }
        }
        md.append("\nUnpublished parameters left at their assumed values (not fitted; the predictions depend on")
                .append(" them):\n\n");
        for (Chip chip : chips) {
            for (Parameter p : chip.parameters().values()) {
                if (p.source().startsWith("assumption")) {
                    md.append("- ").append(chip.name()).append(" ").append(p.name()).append(" = ").append(value(p))
                            .append("\n");
                }
            }
        }

        sensitivity(md, sweeps.sensitivity(), tokens);
        crossCheck(md, result.rows(), sweeps.crossCheck());

        md.append("\n## Acceptance profiles\n\n")
                .append("The speculative rows replay these per-position acceptance probabilities (shipped in")
                .append(" `speculative/src/main/resources/rdu/speculative/`, documented in `speculative/README.md`):")
                .append(" E(k) = 1 + a + ... + a^k tokens per step, AR = E(k) / (k + 1). None is fitted to the rows")
                .append(" it predicts; a profile marked ASSUMPTION borrows the nearest published pair's value.\n\n")
                .append("| pair | a | E(5) | E(9) | AR k=5 / k=9 | source |\n|---|---|---|---|---|---|\n");
        for (Pair pair : result.pairs()) {
            var acceptance = pair.acceptance();
            md.append("| ").append(pair.names()).append(" | ").append(Reproduction.rates(acceptance))
                    .append(Reproduction.fmt(" | %.3f | %.3f | %.3f / %.3f | ", acceptance.expectedCommitted(5),
                            acceptance.expectedCommitted(9), acceptance.acceptanceRate(5),
                            acceptance.acceptanceRate(9)))
                    .append(pair.assumed() ? "ASSUMPTION" : "published").append(" |\n");
        }
        for (Pair pair : result.pairs()) {
            md.append("\n`").append(pair.file()).append("`:\n\n");
            for (String line : pair.header().split("\n")) {
                md.append("> ").append(line).append("\n");
            }
        }

        md.append("\n## Misses and why\n\n");
        for (Row r : predictions) {
            if (!r.verdict().met()) {
                md.append("- **Row ").append(r.id()).append("** (").append(r.description()).append("): published ")
                        .append(r.published()).append(", emulated ").append(r.emulated()).append(". ")
                        .append(r.note()).append("\n");
            }
        }

        md.append("\n## How each value comes about\n\n");
        for (Row r : result.rows()) {
            if (r.verdict().met() || r.fitted()) {
                md.append("- **Row ").append(r.id()).append("**: ").append(r.note()).append("\n");
            }
        }

        md.append("\n## Plots\n\n");
        for (Plot plot : result.plots()) {
            md.append("![").append(plot.title()).append("](").append(plot.file()).append(")\n\n");
        }

        md.append("## Not reproduced here\n\n")
                .append("- Time to first token: no row of section 3 publishes one, so none is compared (`rdu simulate")
                .append(" --prompt-tokens P` models the prefill).\n")
                .append("- The draft, k and acceptance of rows 2 and 3 (Table IV) are not published: the rows state")
                .append(" the choice made.\n")
                .append("- The MoE and MLA models (Mixtral 8x7B, Llama 4 Maverick, DeepSeek-R1 671B, gpt-oss-120b)")
                .append(" appear in rows 15m and 23m only: section 3 publishes no per-model figure for them.\n")
                .append("- Row 6's Falcon 40B and Bloom 176B are not in the catalog; LLaVA 7B runs as Llama 2 7B, its")
                .append(" language model.\n")
                .append("- Row 5's PCU+PMU use (~90%): the allocator gives every spare PCU to the running kernel, so")
                .append(" the emulated use is 100% by construction.\n");
        return md.toString();
    }

    /** The roofline table: a line per catalog model and batch, a column pair per socket count. */
    private static void roofline(StringBuilder md, List<Reproduction.Roofline> lines) {
        md.append("\n## % of the Eq. 3 roofline, every catalog model\n\n")
                .append("Modeled decode tokens/s (all samples together) and their fraction of the Eq. 3 roofline (the")
                .append(" HBM bandwidth of the sockets over the bytes a step streams: weights, the experts a step")
                .append(" touches for MoE models, and the samples' KV caches) with every optimization (")
                .append(Reproduction.ALL_TEXT).append("), 8K context, in the papers' storage type, on 8 sockets")
                .append(" where the model and its KV cache fit and on 16 (row 23's setting: its batch-1 runs are")
                .append(" these). The smallest socket count a model needs is its first column with a value. The")
                .append(" published 45% - 78% (row 23) is for 16 sockets at batch 1.\n\n")
                .append("| model | batch |");
        for (int sockets : Reproduction.ROOFLINE_SOCKETS) {
            md.append(" tok/s, ").append(sockets).append(" sockets | % of roofline, ").append(sockets)
                    .append(" sockets |");
        }
        md.append("\n|---|---|").append("---|---|".repeat(Reproduction.ROOFLINE_SOCKETS.size())).append("\n");
        for (Reproduction.Roofline line : lines) {
            md.append("| ").append(line.model()).append(" | ").append(line.batch()).append(" |");
            for (int sockets : Reproduction.ROOFLINE_SOCKETS) {
                TimingSummary run = line.bySockets().get(sockets);
                md.append(run == null ? " does not fit | - |" : Reproduction.fmt(" %.0f | %s |",
                        run.tokensPerSecond(), Reproduction.pct(run.rooflineFraction())));
            }
            md.append("\n");
        }
    }

    /** The sensitivity section: by row (which guesses move it), then by parameter (what each guess moves). */
    private static void sensitivity(StringBuilder md, List<Sensitivity.Variation> variations, int tokens) {
        md.append("\n## Sensitivity: which rows each guess moves\n\n");
        if (variations.isEmpty()) {
            md.append("Not run: `rdu reproduce --sensitivity` (or `scripts/reproduce-paper --sensitivity`) reruns")
                    .append(" every row with each unpublished chip parameter at 0.5x and at 2x its value, a few")
                    .append(" minutes, and tabulates which rows move.\n");
            return;
        }
        md.append("Each unpublished chip parameter (an assumption, fitted or not: the two lists above) alone at 0.5x")
                .append(" and at 2x its value, on an in-memory copy of its chip file, every row rerun at the same ")
                .append(tokens).append(" decode steps per run as the report. A row *moves* when one of the figures")
                .append(" of its emulated value changes by more than ")
                .append(Reproduction.fmt("%.0f%%", 100 * Sensitivity.VISIBLE))
                .append(" (relative; the change shown is its figure that changed most), or when its verdict flips")
                .append(" between met and missed. A row no guess moves follows from the published parameters (and")
                .append(" the fitted ones at their fit); a row that moves depends on the guesses listed, and a")
                .append(" verdict that flips rests on them. Varying a calibrated parameter moves the row it was")
                .append(" fitted to by construction: refitting would bring it back and move the others instead.")
                .append(" A variation whose value leaves the parameter's physical range is skipped.\n\n")
                .append("By row:\n\n| row | verdict | moved by (change at 0.5x / 2x) | verdict flips under |\n")
                .append("|---|---|---|---|\n");
        List<Row> rows = variations.stream().filter(v -> v.skipped().isEmpty()).findFirst()
                .map(v -> v.moves().stream().map(Sensitivity.Move::row).toList()).orElse(List.of());
        for (int i = 0; i < rows.size(); i++) {
            List<String> moved = new ArrayList<>();
            List<String> flips = new ArrayList<>();
            for (int j = 0; j + 1 < variations.size(); j += 2) { // Sensitivity.FACTORS: 0.5x, then 2x
                Sensitivity.Variation half = variations.get(j);
                Sensitivity.Variation twice = variations.get(j + 1);
                String name = half.chip() + " " + half.parameter().name();
                String atHalf = percent(half, i);
                String atTwice = percent(twice, i);
                if (!atHalf.isEmpty() || !atTwice.isEmpty()) {
                    moved.add(name + " " + (atHalf.isEmpty() ? "-" : atHalf) + " / "
                            + (atTwice.isEmpty() ? "-" : atTwice));
                }
                for (Sensitivity.Variation v : List.of(half, twice)) {
                    if (v.skipped().isEmpty() && v.moves().get(i).flipped()) {
                        flips.add(name + " x" + v.factor().toPlainString());
                    }
                }
            }
            md.append("| ").append(rows.get(i).id()).append(" | ").append(rows.get(i).status()).append(" | ")
                    .append(moved.isEmpty() ? "nothing" : String.join("; ", moved)).append(" | ")
                    .append(flips.isEmpty() ? "-" : String.join(", ", flips)).append(" |\n");
        }
        md.append("\nBy parameter:\n\n| chip | parameter | value | kind | rows moved at 0.5x | rows moved at 2x |\n")
                .append("|---|---|---|---|---|---|\n");
        for (int i = 0; i + 1 < variations.size(); i += 2) { // Sensitivity.FACTORS: 0.5x, then 2x
            Sensitivity.Variation half = variations.get(i);
            md.append("| ").append(half.chip()).append(" | ").append(half.parameter().name()).append(" | ")
                    .append(value(half.parameter())).append(" | ")
                    .append(half.parameter().source().startsWith("calibrated") ? "calibrated" : "assumed")
                    .append(" | ").append(cell(moved(half))).append(" | ").append(cell(moved(variations.get(i + 1))))
                    .append(" |\n");
        }
    }

    /** Row i's change under a variation when it moves visibly ("+12.3%", "changed"), else "". */
    private static String percent(Sensitivity.Variation v, int i) {
        if (!v.skipped().isEmpty() || !v.moves().get(i).visible()) {
            return "";
        }
        double change = v.moves().get(i).change();
        return Double.isNaN(change) ? "changed" : Reproduction.fmt("%+.0f%%", 100 * change);
    }

    /** One variation's cell: the rows it moves and its flips, or the largest move below the threshold. */
    private static String moved(Sensitivity.Variation v) {
        if (!v.skipped().isEmpty()) {
            return "skipped: " + v.skipped();
        }
        List<String> moved = new ArrayList<>();
        Sensitivity.Move largest = null;
        for (Sensitivity.Move m : v.moves()) {
            if (m.visible()) {
                moved.add(m.row().id() + (m.change() == 0 ? "" : " " + change(m))
                        + (m.flipped() ? " (verdict flips)" : ""));
            }
            if (largest == null || Math.abs(m.change()) > Math.abs(largest.change())) {
                largest = m;
            }
        }
        if (!moved.isEmpty()) {
            return String.join(", ", moved);
        }
        return largest == null || largest.change() == 0 ? "none"
                : "none (largest: " + largest.row().id() + " " + change(largest) + ")";
    }

    /** "+12.3% (1042 -> 1170)", or the emulated texts when their figures changed in number. */
    private static String change(Sensitivity.Move m) {
        return Double.isNaN(m.change()) ? "\"" + m.before() + "\" -> \"" + m.after() + "\""
                : Reproduction.fmt("%+.1f%% (%s -> %s)", 100 * m.change(), m.before(), m.after());
    }

    /**
     * The cross-check section: the split, the values each half's fit found, every row's error and verdict with the
     * shipped chips and under each fit, and per half how its predictions fare.
     */
    private static void crossCheck(StringBuilder md, List<Row> shipped, List<CrossCheck.Half> halves) {
        md.append("\n## Cross-check: fitted on one half, predicted on the other\n\n");
        if (halves.isEmpty()) {
            md.append("Not run: `rdu reproduce --cross-check` (or `scripts/reproduce-paper --cross-check`) splits the")
                    .append(" rows into halves A and B, refits every calibrated parameter by bisection to a row of one")
                    .append(" half, reruns every row with the values found and judges the other half's rows as")
                    .append(" predictions; then the same with the halves swapped (about a minute).\n");
            return;
        }
        CrossCheck.Half a = halves.get(0);
        CrossCheck.Half b = halves.get(1);
        md.append("Each calibrated parameter is refitted, starting from the chip files of this report, by bisection")
                .append(" (").append(CrossCheck.STEPS).append(" steps in its bracket) until the figure of its row in")
                .append(" one half meets the published value; the plan is fitted in turn ").append(CrossCheck.ROUNDS)
                .append(" times over, as one fit moves another's row (SN40L hbm_efficiency moves row 15, kernel_sync")
                .append(" row 1).")
                .append(" Then every row is rerun with the values found: the other half's rows are the fit's")
                .append(" predictions. Half A holds the rows the shipped chip files were fitted to, so its fit redoes")
                .append(" the shipped calibration; half B fits each parameter to another row it moves. The remaining")
                .append(" rows alternate between the halves in the report's order, the smaller half first; a half's")
                .append(" rows that no fit used are used by neither fit.\n\n");
        for (CrossCheck.Half h : halves) {
            md.append("- half ").append(h.side()).append(" (").append(h.own().size()).append(" rows): ")
                    .append(String.join(", ", h.own())).append("\n");
        }
        md.append("\n| chip | parameter | shipped | fit on half A | fit on half B | B / A |\n")
                .append("|---|---|---|---|---|---|\n");
        for (int i = 0; i < a.fitted().size(); i++) {
            CrossCheck.Fitted onA = a.fitted().get(i);
            CrossCheck.Fitted onB = b.fitted().get(i);
            md.append("| ").append(onA.chipName()).append(" | ").append(onA.fit().parameter()).append(" | ")
                    .append(value(onA.shipped())).append(" | ").append(cell(fitted(a, onA))).append(" | ")
                    .append(cell(fitted(b, onB))).append(" | ")
                    .append(Reproduction.fmt("%.2f", onB.value().doubleValue() / onA.value().doubleValue()))
                    .append(" |\n");
        }
        md.append("\nEvery row under each fit (error and verdict; *fitted* marks the rows a fit used, *predicted* the")
                .append(" other half's rows):\n\n| row | half | published | shipped chips | fit on half A |")
                .append(" fit on half B |\n|---|---|---|---|---|---|\n");
        for (Row r : shipped) {
            String half = (a.own().contains(r.id()) ? "A" : "B")
                    + (a.fittedOn().contains(r.id()) && b.fittedOn().contains(r.id()) ? ", fitted in both" : "");
            md.append("| ").append(r.id()).append(" | ").append(half).append(" | ").append(cell(r.published()))
                    .append(" | ").append(cell(r.verdict().error())).append(", ").append(r.status()).append(" | ")
                    .append(cell(underFit(a, r.id()))).append(" | ").append(cell(underFit(b, r.id()))).append(" |\n");
        }
        md.append("\n");
        for (CrossCheck.Half h : halves) {
            List<Double> errors = h.predictionErrors();
            md.append("- **fit on half ").append(h.side()).append("**, predicting half ").append(h.side().other())
                    .append(": ").append(h.predictionsMet()).append(" of ").append(h.predicted().size())
                    .append(" predictions met; median |error| ")
                    .append(errors.isEmpty() ? "- (no numeric error)" : Reproduction.pct(median(errors)))
                    .append(" over the ").append(errors.size()).append(" predicted rows with a numeric error")
                    .append(" (absolute values and ratios: ranges, bounds and trends have none)\n");
        }
        List<String> flips = new ArrayList<>();
        for (Row r : shipped) {
            if (a.row(r.id()).verdict().met() != b.row(r.id()).verdict().met()) {
                flips.add(r.id());
            }
        }
        md.append("\nRows whose verdict differs between the two fits: ")
                .append(flips.isEmpty() ? "none" : String.join(", ", flips)).append(".\n\n")
                .append("What this shows: a parameter whose two fits agree (B / A near 1) is pinned down by the")
                .append(" engine itself, whichever published row it is fitted to; one whose fits differ widely is")
                .append(" asked for different values by its two rows, so the engine lacks something those rows weigh")
                .append(" differently, and every prediction that parameter moves rests on which row was chosen. A")
                .append(" prediction met under both fits does not depend on the choice of calibration rows; one whose")
                .append(" verdict differs between the fits does. Half A's values should match the shipped ones to")
                .append(" the bisection's precision: a difference there means the shipped chip files are no longer")
                .append(" fitted (rerun `scripts/calibrate`).\n");
    }

    /** A fitted value's cell: the value, its row with the figure reached against the target, a bracket edge hit. */
    private static String fitted(CrossCheck.Half h, CrossCheck.Fitted f) {
        CrossCheck.Target t = f.fit().target(h.side());
        Row row = h.row(t.row());
        return f.text() + "; row " + t.row() + ": " + (t.figure() == CrossCheck.Figure.SMALLEST ? "smallest " : "")
                + plain(CrossCheck.figure(row, t.figure())) + " for " + plain(t.value()) + " ("
                + row.verdict().error() + ")" + (f.edge().isEmpty() ? "" : ", " + f.edge());
    }

    /** A row's cell under one half's fit: its error and whether it was fitted, predicted (met or not) or neither. */
    private static String underFit(CrossCheck.Half h, String id) {
        Row r = h.row(id);
        String status = h.fittedOn().contains(id) ? "*fitted*"
                : (h.predicted().contains(id) ? "*predicted*, " : "") + (r.verdict().met() ? "met" : "MISSED");
        return r.verdict().error() + ", " + status;
    }

    /** 1042 for 1042.0, 1.6 for 1.60. */
    private static String plain(double figure) {
        return BigDecimal.valueOf(figure).stripTrailingZeros().toPlainString();
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** The short table the command prints: one line per row. */
    public static String table(Reproduction.Result result) {
        var out = new StringBuilder(Reproduction.fmt("%-4s %-7s %-16s %-28s %s%n", "#", "verdict", "error", "published",
                "emulated"));
        for (Row r : result.rows()) {
            out.append(Reproduction.fmt("%-4s %-7s %-16s %-28s %s%n", r.id(), r.status(), clip(r.verdict().error(), 16),
                    clip(r.published(), 28), clip(r.emulated(), 60)));
        }
        return out.toString();
    }

    private static String clip(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 3) + "...";
    }

    private static String value(Parameter p) {
        return Reproduction.fmt("%s %s", p.value() == Math.rint(p.value()) ? String.valueOf((long) p.value())
                : String.valueOf(p.value()), p.unit());
    }

    /** A table cell: a '|' would end it. */
    private static String cell(String text) {
        return text.replace("|", "\\|");
    }
}
