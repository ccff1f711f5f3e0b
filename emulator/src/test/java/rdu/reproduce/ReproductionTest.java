package rdu.reproduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.chip.Chip;
import rdu.chip.ChipFile;

/** The whole report on a reduced setting: two decode steps per run instead of twenty. */
class ReproductionTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @Test
    void writesTheReportAndItsPlots(@TempDir Path dir) throws Exception {
        Chip sn40l = ChipFile.load("sn40l");
        Chip gpu = ChipFile.load("dgx-h100");
        Reproduction.Result result = Reproduction.run(sn40l, gpu, 2);

        List<String> ids = result.rows().stream().map(Row::id).toList();
        assertEquals(List.of("1", "4", "5", "6", "7", "8", "9", "10", "11", "12a", "12b", "13", "14a", "14b", "15",
                "15m", "15b", "16", "17", "23", "23m"), ids, "every comparable row of section 3, in order");
        assertEquals(List.of("1", "7", "12a", "15"), result.rows().stream().filter(Row::fitted).map(Row::id).toList(),
                "the rows the chip parameters were calibrated to");
        for (Row r : result.rows()) {
            assertTrue(!r.emulated().isBlank() && !r.configuration().isBlank() && !r.note().isBlank(), r.id());
            assertTrue(!r.emulated().contains("NaN") && !r.emulated().contains("Infinity"), r.emulated());
        }

        Path report = ReportWriter.write(dir, result, List.of(sn40l, gpu), "the shipped chips", 2);
        String md = Files.readString(report);
        for (String id : ids) {
            assertTrue(md.contains("\n| " + id + " | "), "row " + id + " in the results table");
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
