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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.chip.Chip;
import rdu.chip.ChipFile;

/**
 * The whole report at its own setting ({@link Reproduction#DEFAULT_TOKENS} decode steps per run, the setting
 * scripts/calibrate fits at), held to the values published in shared/reference/published-results.md.
 */
class ReproductionTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** The predictions that meet their published target today: a change that breaks one must fail here. */
    static final List<String> MET = List.of("4", "6", "8", "9", "10", "11", "12b", "13", "14a", "14b", "15m");

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
        List<Double> figures = new ArrayList<>();
        Matcher m = Pattern.compile("(\\d+(\\.\\d+)?)(x| tok/s)").matcher(emulated);
        while (m.find()) {
            figures.add(Double.parseDouble(m.group(1)));
        }
        return figures;
    }

    @Test
    void hasEveryComparableRowAndTheRowsItWasFittedTo() {
        List<String> ids = result.rows().stream().map(Row::id).toList();
        assertEquals(List.of("1", "4", "5", "6", "7", "8", "9", "10", "11", "12a", "12b", "13", "14a", "14b", "15",
                "15m", "15b", "16", "17", "23", "23m"), ids, "every comparable row of section 3, in order");
        assertEquals(List.of("1", "7", "12a", "15"), result.rows().stream().filter(Row::fitted).map(Row::id).toList(),
                "the rows the chip parameters were calibrated to");
    }

    @Test
    void everyFittedRowStaysAtItsPublishedValue() throws IOException {
        // each fit's target is the first number its source row publishes: rows 12 and 15 publish two numbers, and
        // row 7's range "1.4x - 8x" was fitted at its low end, by the row's smallest speedup
        List<String> missed = new ArrayList<>();
        for (String id : List.of("1", "7", "12a", "15")) {
            double target = numbers(publishedValue(id.replaceAll("[a-z]$", ""))).getFirst();
            double emulated = Collections.min(figures(row(id).emulated()));
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

    @Test
    void writesTheReportAndItsPlots(@TempDir Path dir) throws Exception {
        for (Row r : result.rows()) {
            assertTrue(!r.emulated().isBlank() && !r.configuration().isBlank() && !r.note().isBlank(), r.id());
            assertTrue(!r.emulated().contains("NaN") && !r.emulated().contains("Infinity"), r.emulated());
        }
        Path report = ReportWriter.write(dir, result, List.of(SN40L, GPU), "the shipped chips",
                Reproduction.DEFAULT_TOKENS);
        String md = Files.readString(report);
        for (Row r : result.rows()) {
            assertTrue(md.contains("\n| " + r.id() + " | "), "row " + r.id() + " in the results table");
        }
        assertTrue(md.contains("| SN40L | p2p_latency |"), "calibrated parameters are listed");
        assertTrue(md.contains("rows 2, 3, 18-22 and 24"), "the skipped rows are named");
        for (String png : List.of("batch-streaming.png", "schedule-offloading.png")) {
            byte[] bytes = Files.readAllBytes(dir.resolve(png));
            assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, 8), png);
            assertTrue(md.contains("](" + png + ")"), png + " is shown in the report");
        }
        assertEquals(result.rows().size() + 1, ReportWriter.table(result).lines().count(), "header + one line a row");
    }
}
