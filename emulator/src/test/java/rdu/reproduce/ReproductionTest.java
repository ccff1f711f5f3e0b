package rdu.reproduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.catalog.ModelCatalog;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.report.TimingSummary;
import rdu.schedule.ScheduleOptions;

/**
 * The whole report at its own setting ({@link Reproduction#DEFAULT_TOKENS} decode steps per run, the setting
 * scripts/calibrate fits at), held to the values published in shared/reference/published-results.md.
 */
class ReproductionTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** The predictions that meet their published target today: a change that breaks one must fail here. */
    static final List<String> MET = List.of("1", "3", "4", "5", "6", "8", "9", "10", "11", "12b", "13", "14a", "14b",
            "15m", "17", "18a", "18b", "18c", "19a", "19b", "19c", "20a", "20b", "20c", "22", "23m", "24", "t1", "t2",
            "t3");

    /**
     * How close a fitted row stays to its published value: scripts/calibrate bisects each fitted parameter to the
     * report's printed precision (whole tokens/s, two decimals of a speedup), within 1-2% (README).
     */
    static final double FIT_TOLERANCE = 0.02;

    static final Chip SN40L = ChipFile.load("sn40l");
    static final Chip GPU = ChipFile.load("dgx-h100");

    static Reproduction.Result result;

    @BeforeAll
    static void runTheReport() {
        result = Reproduction.run(SN40L, GPU, Reproduction.DEFAULT_TOKENS);
    }

    static Row row(String id) {
        return result.rows().stream().filter(r -> r.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + id));
    }

    /** The "value" cell of a row of published-results.md section 3, read from the file itself. */
    static String publishedValue(String number) throws IOException {
        Path file = Path.of(System.getProperty("rdu.shared"), "reference/published-results.md");
        boolean section3 = false;
        for (String line : Files.readAllLines(file)) {
            section3 = line.startsWith("## ") ? line.startsWith("## 3.") : section3;
            String[] cells = line.split("\\|");
            // | # | model | configuration | sockets | batch | metric | value | tag |
            if (section3 && cells.length == 9 && cells[1].strip().equals(number)) {
                return cells[7].strip();
            }
        }
        return fail("row " + number + " is not in section 3 of " + file);
    }

    /** The numbers of a text in order: "~300; 21% of 24 TB/s" gives 300, 21, 24. */
    static List<Double> numbers(String text) {
        List<Double> numbers = new ArrayList<>();
        Matcher m = Pattern.compile("\\d+(\\.\\d+)?").matcher(text);
        while (m.find()) {
            numbers.add(Double.parseDouble(m.group()));
        }
        return numbers;
    }

    /** The figures of an emulated value (tokens/s or speedups), without the digits of model names. */
    static List<Double> figures(String emulated) {
        return numbersBefore(emulated, "(x| tok/s)");
    }

    /** The percentages of a text: "69.2% (llama-3.1-8b) - 78.0% (llama-3.1-405b)" gives 69.2, 78.0. */
    static List<Double> percentages(String text) {
        return numbersBefore(text, "%");
    }

    /** The numbers of {@code text} that {@code unit} follows. */
    private static List<Double> numbersBefore(String text, String unit) {
        List<Double> numbers = new ArrayList<>();
        Matcher m = Pattern.compile("(\\d+(\\.\\d+)?)" + unit).matcher(text);
        while (m.find()) {
            numbers.add(Double.parseDouble(m.group(1)));
        }
        return numbers;
    }

    @Test
    void hasEveryComparableRowAndTheRowsItWasFittedTo() {
        List<String> ids = result.rows().stream().map(Row::id).toList();
        assertEquals(List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12a", "12b", "13", "14a", "14b",
                "15", "15m", "15b", "16", "17", "18a", "18b", "18c", "19a", "19b", "19c", "20a", "20b", "20c", "21",
                "22", "23", "23m", "24", "t1", "t2", "t3"), ids, "every comparable row of section 3 and its trends,"
                + " in order");
        assertEquals(List.of("7", "12a", "15", "23"), result.rows().stream().filter(Row::fitted).map(Row::id).toList(),
                "the rows the chip parameters were calibrated to");
    }

    @Test
    void everyFittedRowStaysAtItsPublishedValue() throws IOException {
        // each fit's target is the first number its source row publishes: rows 12 and 15 publish two numbers, and
        // row 7's range "1.4x - 8x" was fitted at its low end, by the row's smallest speedup; row 23's range
        // "45% - 78%" at its high end, by the best model's percentage
        List<String> missed = new ArrayList<>();
        for (String id : List.of("7", "12a", "15", "23")) {
            List<Double> published = numbers(publishedValue(id.replaceAll("[a-z]$", "")));
            double target = id.equals("23") ? published.get(1) : published.getFirst();
            double emulated = id.equals("23") ? Collections.max(percentages(row(id).emulated()))
                    : Collections.min(figures(row(id).emulated()));
            if (Math.abs(emulated / target - 1) > FIT_TOLERANCE) {
                missed.add("row " + id + ": published " + target + ", emulated " + row(id).emulated());
            }
        }
        assertTrue(missed.isEmpty(), "fitted rows off their published value by more than " + 100 * FIT_TOLERANCE
                + "% (re-run scripts/calibrate if the timing model changed on purpose): " + missed);
    }

    @Test
    void everyPredictionThatMetItsTargetStillMeetsIt() {
        List<String> broken = new ArrayList<>();
        for (String id : MET) {
            Row r = row(id);
            assertFalse(r.fitted(), "row " + id + " is a prediction");
            if (!r.verdict().met()) {
                broken.add("row " + id + ": published " + r.published() + ", emulated " + r.emulated() + " ("
                        + r.verdict().error() + ")");
            }
        }
        assertTrue(broken.isEmpty(), "predictions that no longer meet their target: " + broken);
    }

    /**
     * The speculative rows' published values, read from the reference file: row id, the section-3 row, which of its
     * numbers, and the scale of the row's value (row 24's 72 is a fraction).
     */
    record Published(String id, String row, int index, double scale) {
    }

    static final List<Published> SPECULATIVE = List.of(new Published("2", "2", 0, 1), new Published("3", "3", 0, 1),
            new Published("18a", "18", 0, 1), new Published("18b", "18", 1, 1), new Published("18c", "18", 2, 1),
            new Published("19a", "19", 0, 1), new Published("19b", "19", 1, 1), new Published("19c", "19", 2, 1),
            new Published("20a", "20", 0, 1), new Published("20b", "20", 1, 1), new Published("20c", "20", 2, 1),
            // "1.6x - 1.8x (headline 1.7x)": judged against the headline
            new Published("21", "21", 2, 1), new Published("24", "24", 0, 0.01));

    @Test
    void everySpeculativeRowIsJudgedAgainstTheReferenceFile() throws IOException {
        for (Published p : SPECULATIVE) {
            Row r = row(p.id());
            double published = numbers(publishedValue(p.row())).get(p.index()) * p.scale();
            String emulated = r.emulated().strip();
            double value = emulated.endsWith("%") ? Double.parseDouble(emulated.replace("%", "")) / 100
                    : figures(emulated).getFirst();
            // tok/s and fractions are absolute values, speedups ratios (the report's rounding moves no verdict)
            Verdict expected = emulated.endsWith("x") ? Verdict.ratio(published, value)
                    : Verdict.absolute(published, value);
            assertEquals(expected.met(), r.verdict().met(), "row " + p.id() + ": published " + published
                    + ", emulated " + emulated + ", verdict " + r.verdict());
            assertTrue(numbers(r.published()).contains(numbers(publishedValue(p.row())).get(p.index())),
                    "row " + p.id() + " shows the published value: " + r.published());
            assertFalse(r.fitted(), "row " + p.id() + " is a prediction: no acceptance is fitted to it");
        }
    }

    @Test
    void everySpeculativeRowNamesItsAcceptanceProfile() {
        for (String id : List.of("2", "3", "18a", "18b", "18c", "19a", "19b", "19c", "20a", "20b", "20c", "21", "24")) {
            Row r = row(id);
            assertTrue(result.pairs().stream().anyMatch(pair -> r.configuration().contains(pair.file())),
                    "row " + id + " names its profile: " + r.configuration());
        }
    }

    /** A step costs at least one target pass, so speculation cannot beat plain decoding by more than E(k). */
    @Test
    void noSpeedupBeatsTheTokensAStepCommits() {
        int checked = 0;
        for (Pair pair : result.pairs()) {
            for (Row r : result.rows()) {
                Matcher k = Pattern.compile(Pattern.quote(pair.names()) + ", k = (\\d+),").matcher(r.description());
                if (r.id().matches("(18|19|20)[abc]") && k.lookingAt()) {
                    double bound = pair.acceptance().expectedCommitted(Integer.parseInt(k.group(1)));
                    double speedup = figures(r.emulated()).getFirst();
                    assertTrue(speedup > 1 && speedup < bound, "row " + r.id() + ": " + speedup + "x, E(k) = " + bound);
                    checked++;
                }
            }
        }
        assertEquals(9, checked, "rows 18-20, three speedups each");
    }

    @Test
    void writesTheReportAndItsPlots(@TempDir Path dir) throws Exception {
        for (Row r : result.rows()) {
            assertTrue(!r.emulated().isBlank() && !r.configuration().isBlank() && !r.note().isBlank(), r.id());
            assertTrue(!r.emulated().contains("NaN") && !r.emulated().contains("Infinity"), r.emulated());
        }
        Path report = ReportWriter.write(dir, result, List.of(SN40L, GPU), "the shipped chips",
                Reproduction.DEFAULT_TOKENS, ReportWriter.Sweeps.none());
        String md = Files.readString(report);
        for (Row r : result.rows()) {
            assertTrue(md.contains("\n| " + r.id() + " | "), "row " + r.id() + " in the results table");
        }
        assertTrue(md.contains("| SN40L | hbm_efficiency |"), "calibrated parameters are listed");
        assertTrue(md.contains("Time to first token: no row"), "the report says why no TTFT is compared");
        for (Pair pair : result.pairs()) {
            assertTrue(md.contains("\n`" + pair.file() + "`:\n\n> "), pair.file() + "'s source is quoted");
        }
        for (String png : List.of("batch-streaming.png", "schedule-offloading.png")) {
            byte[] bytes = Files.readAllBytes(dir.resolve(png));
            assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, 8), png);
            assertTrue(md.contains("](" + png + ")"), png + " is shown in the report");
        }
        assertEquals(result.rows().size() + 1, ReportWriter.table(result).lines().count(), "header + one line a row");
    }

    /**
     * The roofline table: a line per catalog model and batch, each socket count present exactly when the model fits
     * it, with the tokens/s and roofline fraction of that same run done afresh, and each line printed in the report.
     */
    @Test
    void theRooflineTableHasEveryCatalogModelAtEachBatchAsItsRunGivesIt() {
        List<String> expected = new ArrayList<>();
        for (String m : ModelCatalog.NAMES) {
            for (int batch : List.of(1, 16)) {
                expected.add(m + " batch " + batch);
            }
        }
        assertEquals(expected, result.roofline().stream().map(l -> l.model() + " batch " + l.batch()).toList());

        String md = ReportWriter.markdown(result, List.of(SN40L, GPU), "the shipped chips",
                Reproduction.DEFAULT_TOKENS, ReportWriter.Sweeps.none());
        var runs = new Runs();
        int absent = 0;
        for (Reproduction.Roofline line : result.roofline()) {
            var tableLine = new StringBuilder("\n| " + line.model() + " | " + line.batch() + " |");
            for (int sockets : List.of(8, 16)) {
                ScheduleOptions options = Reproduction.ALL.withBatch(line.batch());
                boolean fits = runs.fits(line.model(), SN40L, sockets, options, 8192, Reproduction.DEFAULT_TOKENS);
                String where = line.model() + " batch " + line.batch() + " on " + sockets + " sockets";
                assertEquals(fits, line.bySockets().containsKey(sockets), where);
                if (!fits) {
                    absent++;
                    tableLine.append(" does not fit | - |");
                    continue;
                }
                TimingSummary fresh = runs.run(line.model(), SN40L, sockets, options, 8192,
                        Reproduction.DEFAULT_TOKENS);
                TimingSummary shown = line.bySockets().get(sockets);
                assertEquals(fresh.tokensPerSecond(), shown.tokensPerSecond(), 1e-9 * fresh.tokensPerSecond(), where);
                assertEquals(fresh.rooflineFraction(), shown.rooflineFraction(), 1e-12, where);
                tableLine.append(String.format(Locale.ROOT, " %.0f | %.1f%% |", fresh.tokensPerSecond(),
                        100 * fresh.rooflineFraction()));
            }
            assertTrue(md.contains(tableLine + "\n"), "in the report: " + tableLine);
        }
        assertTrue(absent >= 2, "405B in BF16 (810 GB) cannot fit 8 x 64 GB at either batch");
    }
}
