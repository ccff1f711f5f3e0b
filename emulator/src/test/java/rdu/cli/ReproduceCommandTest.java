package rdu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.chip.ChipFile;

class ReproduceCommandTest {

    @Test
    void aChipFileReplacesTheShippedChipAndTheReportNamesIt(@TempDir Path dir) throws IOException {
        String shipped;
        try (InputStream in = ChipFile.class.getResourceAsStream("sn40l.json")) {
            shipped = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String slower = shipped.replaceFirst("\"p2p_latency\":\\s*\\{ \"value\": [0-9.]+", "\"p2p_latency\": { \"value\": 20");
        assertNotEquals(shipped, slower, "the test must really change p2p_latency");
        Path chip = Files.writeString(dir.resolve("slow-p2p.json"), slower);

        var standard = GenerateCommandTest.rdu("reproduce", "--out", dir.resolve("a").toString(), "--tokens", "2");
        var changed = GenerateCommandTest.rdu("reproduce", "--out", dir.resolve("b").toString(), "--tokens", "2",
                "--chip", chip.toString());
        assertEquals(0, standard.exitCode(), standard.stderr());
        assertEquals(0, changed.exitCode(), changed.stderr());
        assertTrue(row1TokensPerSecond(changed.stdout()) < row1TokensPerSecond(standard.stdout()),
                "a slower P2P hop lowers row 1:\n" + standard.stdout() + "\n" + changed.stdout());
        String report = Files.readString(dir.resolve("b/report.md"));
        assertTrue(report.contains("`" + chip + "` (SN40L)"), "the report names the chip file it used");
        assertTrue(Files.readString(dir.resolve("a/report.md")).contains("chip files shipped with the emulator"));
    }

    @Test
    void aGpuWhereTheDataflowChipBelongsIsAClearError(@TempDir Path dir) {
        var run = GenerateCommandTest.rdu("reproduce", "--out", dir.toString(), "--chip", "dgx-h100");
        assertEquals(1, run.exitCode());
        assertTrue(run.stderr().contains("--chip dgx-h100: expected a chip with execution \"dataflow\", found"
                + " \"kernel-by-kernel\""), run.stderr());
        var gpu = GenerateCommandTest.rdu("reproduce", "--out", dir.toString(), "--gpu", "sn40l");
        assertEquals(1, gpu.exitCode());
        assertTrue(gpu.stderr().contains("--gpu sn40l: expected a chip with execution \"kernel-by-kernel\""),
                gpu.stderr());
    }

    private static double row1TokensPerSecond(String table) {
        Matcher m = Pattern.compile("(?m)^1 .*?(\\d+) tok/s\\s*$").matcher(table);
        assertTrue(m.find(), table);
        return Double.parseDouble(m.group(1));
    }
}
