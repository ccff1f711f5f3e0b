package rdu.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.chip.Chip;
import rdu.chip.ChipFile;

/** The sensitivity sweep on a few rows at 2 decode steps per run: what each guess moves, and in which direction. */
class SensitivityTest {

    static final int TOKENS = 2;
    /** An SN40L row, an SN40L count, and a DGX H100 row. */
    static final List<String> ROWS = List.of("1", "14a", "12a");

    static List<Row> baseline;
    static List<Sensitivity.Variation> variations;

    @BeforeAll
    static void sweepBothKernelSyncs() {
        Chip sn40l = ChipFile.load("sn40l");
        Chip gpu = ChipFile.load("dgx-h100");
        baseline = Reproduction.rows(sn40l, gpu, TOKENS, ROWS, (done, total, id) -> { });
        variations = Sensitivity.sweep("sn40l", "dgx-h100", TOKENS, baseline,
                Set.of("SN40L kernel_sync", "DGX H100 kernel_sync")::contains);
    }

    static Sensitivity.Variation variation(String chip, String factor) {
        return variations.stream().filter(v -> v.chip().equals(chip) && v.factor().compareTo(new BigDecimal(factor)) == 0)
                .findFirst().orElseThrow(() -> new AssertionError("no variation " + chip + " x" + factor));
    }

    static Sensitivity.Move move(Sensitivity.Variation v, String row) {
        return v.moves().stream().filter(m -> m.row().id().equals(row)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + row + " in " + v));
    }

    @Test
    void eachParameterRunsAtHalfAndTwiceOnEveryRow() {
        assertEquals(4, variations.size(), "two parameters x two factors");
        for (Sensitivity.Variation v : variations) {
            assertEquals("", v.skipped(), v.chip());
            assertEquals(ROWS, v.moves().stream().map(m -> m.row().id()).toList());
            assertEquals("kernel_sync", v.parameter().name());
        }
    }

    /** The GPU's per-kernel barrier (an assumption, 3 us after each of ~325 kernels a token) sets row 12a's pace. */
    @Test
    void theGpusKernelSyncMovesTheGpuRowTheWayItShould() {
        Sensitivity.Move half = move(variation("DGX H100", "0.5"), "12a");
        Sensitivity.Move twice = move(variation("DGX H100", "2"), "12a");
        assertTrue(half.change() > Sensitivity.VISIBLE, "a shorter barrier: more tok/s, " + half);
        assertTrue(twice.change() < -Sensitivity.VISIBLE, "a longer barrier: fewer tok/s, " + twice);
        assertTrue(half.visible() && twice.visible());
        // both from the row's tok/s as the baseline printed it
        assertEquals(Sensitivity.figures(baseline.get(2).emulated()).getFirst(), half.before());
    }

    @Test
    void aParameterTheRowsDoNotUseMovesNothing() {
        for (String factor : List.of("0.5", "2")) {
            for (String row : List.of("1", "14a")) { // SN40L rows: the GPU's barrier is not theirs
                Sensitivity.Move m = move(variation("DGX H100", factor), row);
                assertEquals(0, m.change(), "DGX H100 kernel_sync x" + factor + " on row " + row);
                assertFalse(m.flipped() || m.visible());
            }
            Sensitivity.Move m = move(variation("SN40L", factor), "12a"); // and the SN40L's not the GPU's
            assertEquals(0, m.change(), "SN40L kernel_sync x" + factor + " on row 12a");
            assertFalse(m.visible());
        }
    }

    /** 2x a value near its physical bound leaves the range: that variation is skipped and says why. */
    @Test
    void aVariationOutsideThePhysicalRangeIsSkippedWithTheReason(@TempDir Path dir) throws Exception {
        String shipped = new String(ChipFile.class.getResourceAsStream("sn40l.json").readAllBytes(),
                StandardCharsets.UTF_8);
        String slowHost = shipped.replaceFirst("(\"host_step\":\\s*\\{ \"value\": )40, \"unit\": \"us\"",
                "$1600, \"unit\": \"ms\"");
        assertFalse(shipped.equals(slowHost), "the copy changes host_step");
        Path file = Files.writeString(dir.resolve("sn40l-slow-host.json"), slowHost);
        List<Row> rows = Reproduction.rows(ChipFile.load(file.toString()), ChipFile.load("dgx-h100"), TOKENS,
                List.of("14a"), (done, total, id) -> { });
        List<Sensitivity.Variation> swept = Sensitivity.sweep(file.toString(), "dgx-h100", TOKENS, rows,
                "SN40L host_step"::equals);
        assertEquals(2, swept.size());
        assertEquals("", swept.get(0).skipped(), "300 ms is in range");
        assertEquals(1, swept.get(0).moves().size());
        assertTrue(swept.get(1).skipped().startsWith("parameter \"host_step\": expected a time from 0 to 1 s"),
                swept.get(1).skipped());
        assertTrue(swept.get(1).moves().isEmpty());
    }

    @Test
    void theFiguresOfAnEmulatedValueLeaveModelNamesAndSocketCountsOut() {
        assertEquals(List.of("97.3", "24.0"),
                Sensitivity.figures("best 97.3% (llama-3.1-405b x16), lowest 24.0% (qwen2.5-0.5b x8)"));
        assertEquals(List.of("3.21", "1.10", "1042"),
                Sensitivity.figures("llama-2-7b 3.21x, mixtral-8x7b 1.10x; 1042 tok/s"));
    }

    @Test
    void theReportSaysWhichGuessMovesWhichRow() {
        var result = new Reproduction.Result(baseline, List.of(), List.of(), List.of());
        String all = ReportWriter.markdown(result, List.of(), "the shipped chips", TOKENS,
                ReportWriter.Sweeps.none().withSensitivity(variations));
        String md = all.substring(all.indexOf("## Sensitivity"), all.indexOf("## Acceptance profiles"));
        String line = md.lines().filter(l -> l.startsWith("| 12a |")).findFirst().orElseThrow();
        assertTrue(line.contains("DGX H100 kernel_sync"), line);
        assertFalse(line.contains("SN40L kernel_sync"), line);
        assertTrue(md.lines().anyMatch(l -> l.startsWith("| 14a |") && l.contains("| nothing |")), md);
        assertTrue(md.contains("| DGX H100 | kernel_sync | 3 us | assumed | 12a +"), md);
    }
}
