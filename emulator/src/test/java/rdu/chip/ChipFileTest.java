package rdu.chip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ChipFileTest {

    @TempDir
    Path dir;

    @Test
    void shippedSn40lHasThePublishedFigures() {
        Chip chip = ChipFile.load("sn40l");
        assertEquals("SN40L", chip.name());
        assertEquals(1040, chip.pcus());
        assertEquals(1040, chip.pmus());
        assertEquals(512 * 1024, chip.pmuBytes());
        assertEquals(64_000_000_000L, chip.hbmBytes());
        assertEquals(1.6e12, chip.hbmBandwidth(), 1);
        assertEquals(1.6e9, chip.clockHz(), 1);
        assertEquals(638e12, 2 * chip.laneOpsPerSecond(), 0.005 * 638e12, "the published BF16 peak");
        for (Parameter p : chip.parameters().values()) {
            assertFalse(p.source().isBlank(), p.name() + " has a source");
            assertFalse(Double.isNaN(p.baseValue()), p.name() + " was read");
        }
        assertEquals(chip, ChipFile.load("sn40l.json"), "the name with or without .json is the same chip");
    }

    @Test
    void userFileInTheSameFormatLoads() throws IOException {
        Path file = write(shippedText().replace("\"value\": 64,", "\"value\": 32,"));
        assertEquals(32_000_000_000L, ChipFile.load(file.toString()).hbmBytes());
    }

    @Test
    void missingParameterIsNamed() throws IOException {
        var root = (ObjectNode) new ObjectMapper().readTree(shippedText());
        ((ObjectNode) root.get("parameters")).remove("clock");
        Path file = write(root.toString());
        var e = assertThrows(ChipException.class, () -> ChipFile.load(file.toString()));
        assertTrue(e.getMessage().contains("missing parameter \"clock\""), e.getMessage());
    }

    @Test
    void wrongUnitIsNamedWithTheAcceptedOnes() throws IOException {
        Path file = write(shippedText().replace("\"unit\": \"TB/s\"", "\"unit\": \"TB\""));
        var e = assertThrows(ChipException.class, () -> ChipFile.load(file.toString()));
        assertTrue(e.getMessage().contains("hbm_bandwidth") && e.getMessage().contains("found \"TB\"")
                && e.getMessage().contains("GB/s"), e.getMessage());
    }

    @Test
    void impossibleValuesAreRejected() throws IOException {
        Path negative = write(shippedText().replace("\"value\": 64,", "\"value\": -64,"));
        var e = assertThrows(ChipException.class, () -> ChipFile.load(negative.toString()));
        assertTrue(e.getMessage().contains("hbm_capacity") && e.getMessage().contains("found -64 GB"), e.getMessage());

        Path fractional = write(shippedText().replace("\"value\": 1040, \"unit\": \"count\", \"source\": \"published: 1040 PCUs",
                "\"value\": 1040.5, \"unit\": \"count\", \"source\": \"published: 1040 PCUs"));
        e = assertThrows(ChipException.class, () -> ChipFile.load(fractional.toString()));
        assertTrue(e.getMessage().contains("pcus") && e.getMessage().contains("whole"), e.getMessage());
    }

    /** Every parameter of the shipped file, with its unit. */
    static List<Arguments> parameters() throws IOException {
        List<Arguments> all = new ArrayList<>();
        new ObjectMapper().readTree(shippedText()).get("parameters").properties()
                .forEach(e -> all.add(Arguments.of(e.getKey(), e.getValue().get("unit").asText())));
        return all;
    }

    /** The parameters that are a number of things or of bytes. */
    static List<Arguments> wholeParameters() throws IOException {
        return parameters().stream().filter(a -> Quantity.COUNT.factor((String) a.get()[1]) != null
                || Quantity.BYTES.factor((String) a.get()[1]) != null).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parameters")
    void aValueBeyondAnyChipIsRefusedWithTheRangeAndTheValueAsWritten(String name, String unit) throws IOException {
        var e = assertThrows(ChipException.class, () -> ChipFile.load(withValue(name, "1e300", unit).toString()));
        assertTrue(e.getMessage().contains("\"" + name + "\"") && e.getMessage().contains(" to ")
                && e.getMessage().contains("found 1e300 " + unit) && !e.getMessage().contains("positive"),
                e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parameters")
    void aNegativeValueIsRefusedWithTheRange(String name, String unit) throws IOException {
        var e = assertThrows(ChipException.class, () -> ChipFile.load(withValue(name, "-1", unit).toString()));
        assertTrue(e.getMessage().contains("\"" + name + "\"") && e.getMessage().contains(" to ")
                && e.getMessage().contains("found -1 " + unit), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wholeParameters")
    void aFractionOfAThingOrOfAByteIsRefused(String name, String unit) throws IOException {
        String baseUnit = unit.equals("count") ? "count" : "B";
        var e = assertThrows(ChipException.class, () -> ChipFile.load(withValue(name, "1.5", baseUnit).toString()));
        assertTrue(e.getMessage().contains("\"" + name + "\"") && e.getMessage().contains("whole")
                && e.getMessage().contains("found 1.5 " + baseUnit), e.getMessage());
    }

    @Test
    void noMemoryStreamsAboveItsPeakOrAtNothing() throws IOException {
        for (String name : List.of("hbm_efficiency", "ddr_efficiency")) {
            for (String value : List.of("1.2", "0")) {
                var e = assertThrows(ChipException.class,
                        () -> ChipFile.load(withValue(name, value, "fraction").toString()));
                assertTrue(e.getMessage().contains("\"" + name + "\"") && e.getMessage().contains("from 0.1 to 1")
                        && e.getMessage().contains("found " + value + " fraction"), e.getMessage());
            }
        }
        // a percentage written with the unit of a fraction
        var e = assertThrows(ChipException.class,
                () -> ChipFile.load(withValue("hbm_efficiency", "95", "fraction").toString()));
        assertTrue(e.getMessage().contains("found 95 fraction"), e.getMessage());
        assertEquals(0.9, ChipFile.load(withValue("hbm_efficiency", "90", "%").toString()).hbmEfficiency(), 1e-12);
    }

    @Test
    void aNetworkHopOrARequestOfAMicrosecondIsRefused() throws IOException {
        var hop = assertThrows(ChipException.class,
                () -> ChipFile.load(withValue("noc_hop_latency", "1", "us").toString()));
        assertTrue(hop.getMessage().contains("\"noc_hop_latency\"") && hop.getMessage().contains("found 1 us"),
                hop.getMessage());
        var request = assertThrows(ChipException.class,
                () -> ChipFile.load(withValue("memory_request", "2", "us").toString()));
        assertTrue(request.getMessage().contains("\"memory_request\"") && request.getMessage().contains("found 2 us"),
                request.getMessage());
    }

    @Test
    void aTrillionPcusIsRefused() throws IOException {
        var e = assertThrows(ChipException.class, () -> ChipFile.load(withValue("pcus", "1e12", "count").toString()));
        assertTrue(e.getMessage().contains("\"pcus\"") && e.getMessage().contains("found 1e12 count"),
                e.getMessage());
    }

    /** The shipped SN40L file with one parameter's value and unit replaced, the value written as given. */
    private Path withValue(String name, String value, String unit) throws IOException {
        String text = shippedText().replaceFirst(
                "(\"" + name + "\":\\s*\\{\\s*\"value\":\\s*)[^,]*,\\s*\"unit\":\\s*\"[^\"]*\"",
                "$1" + value + ", \"unit\": \"" + unit + "\"");
        if (text.equals(shippedText())) {
            fail("no \"" + name + "\": {\"value\": ..., \"unit\": ...} in sn40l.json");
        }
        return write(text);
    }

    @Test
    void parameterWithoutSourceIsRejected() throws IOException {
        Path file = write(shippedText().replaceFirst("\"source\": \"published: 1040 PCUs per socket \\[D\\]\"",
                "\"source\": \"\""));
        var e = assertThrows(ChipException.class, () -> ChipFile.load(file.toString()));
        assertTrue(e.getMessage().contains("parameters.pcus.source"), e.getMessage());
    }

    @Test
    void unknownParameterIsReportedAsATypo() throws IOException {
        Path file = write(shippedText().replace("\"pcus\":", "\"pcu_count\":"));
        var e = assertThrows(ChipException.class, () -> ChipFile.load(file.toString()));
        assertTrue(e.getMessage().contains("missing parameter \"pcus\""), e.getMessage());
        Path extra = write(shippedText().replace("\"parameters\": {",
                "\"parameters\": {\n \"hbm_bandwith\": {\"value\": 1, \"unit\": \"TB/s\", \"source\": \"typo\"},"));
        e = assertThrows(ChipException.class, () -> ChipFile.load(extra.toString()));
        assertTrue(e.getMessage().contains("unknown parameter \"hbm_bandwith\""), e.getMessage());
    }

    /** Found by ChipFilePropertyTest: a unit or a parameter name with a line break in it broke the message in two. */
    @Test
    void unitsAndNamesAreQuotedAsJsonInOneLine() throws IOException {
        Path unit = write(shippedText().replace("\"unit\": \"TB/s\"", "\"unit\": \"TB\\n/s\""));
        var e = assertThrows(ChipException.class, () -> ChipFile.load(unit.toString()));
        assertTrue(e.getMessage().endsWith("found \"TB\\n/s\""), e.getMessage());
        Path name = write(shippedText().replace("\"parameters\": {",
                "\"parameters\": {\n \"hbm\\nbandwidth\": {\"value\": 1, \"unit\": \"TB/s\"},"));
        e = assertThrows(ChipException.class, () -> ChipFile.load(name.toString()));
        assertTrue(e.getMessage().contains("field \"parameters.hbm\\nbandwidth.source\""), e.getMessage());
        Path unknown = write(shippedText().replace("\"parameters\": {",
                "\"parameters\": {\n \"hbm\\nbandwidth\": {\"value\": 1, \"unit\": \"TB/s\", \"source\": \"typo\"},"));
        e = assertThrows(ChipException.class, () -> ChipFile.load(unknown.toString()));
        assertTrue(e.getMessage().contains("unknown parameter \"hbm\\nbandwidth\""), e.getMessage());
    }

    @Test
    void notJsonAndNoSuchFileAreClear() throws IOException {
        var e = assertThrows(ChipException.class, () -> ChipFile.load(write("{ not json").toString()));
        assertTrue(e.getMessage().contains("invalid JSON"), e.getMessage());
        e = assertThrows(ChipException.class, () -> ChipFile.load(dir.resolve("absent.json").toString()));
        assertTrue(e.getMessage().contains("no such chip"), e.getMessage());
    }

    @Test
    void textAfterTheObjectAndRepeatedKeysAreRefusedNotIgnored() throws IOException {
        Path trailing = write(shippedText() + "\n42\n");
        var e = assertThrows(ChipException.class, () -> ChipFile.load(trailing.toString()));
        assertTrue(e.getMessage().startsWith(trailing + ": JSON: expected a JSON object, found invalid JSON (more after"
                + " its end"), e.getMessage());
        Path repeated = write(shippedText().replace("\"parameters\": {",
                "\"parameters\": {\n \"pcus\": {\"value\": 1, \"unit\": \"count\", \"source\": \"a second pcus\"},"));
        e = assertThrows(ChipException.class, () -> ChipFile.load(repeated.toString()));
        assertTrue(e.getMessage().contains("Duplicate field 'pcus'"), e.getMessage());
    }

    /** Found by ChipFileFuzzTest: an exponent beyond an int escaped the exact-decimal reader as a raw exception. */
    @Test
    void aNumberWithAnExponentTooLargeToReadIsInvalidJson() throws IOException {
        Path file = write(shippedText().replaceFirst("\"value\": [0-9.]+", "\"value\": 1e4444444444444"));
        var e = assertThrows(ChipException.class, () -> ChipFile.load(file.toString()));
        assertEquals(file + ": JSON: expected a JSON object, found invalid JSON (a number whose exponent is too large"
                + " to read)", e.getMessage());
    }

    @Test
    void aNamedPipeOrADirectoryIsRefusedByNameWithoutWaiting() throws Exception {
        Path fifo = dir.resolve("chip-fifo.json");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor(), "mkfifo");
        var e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(ChipException.class, () -> ChipFile.load(fifo.toString())));
        assertEquals(fifo + ": is a named pipe, expected a regular file", e.getMessage());
        Path directory = Files.createDirectory(dir.resolve("chip-dir.json"));
        e = assertThrows(ChipException.class, () -> ChipFile.load(directory.toString()));
        assertEquals(directory + ": is a directory, expected a regular file", e.getMessage());
    }

    /** The in-memory setter of rdu reproduce --cross-check: value and unit replaced, then checked like a file. */
    @Test
    void withValuesSetsValueAndUnitAndKeepsTheRest() {
        Chip shipped = ChipFile.load("sn40l");
        Chip set = ChipFile.withValues("sn40l", List.of(new ChipFile.Setting("p2p_latency",
                new java.math.BigDecimal("2500"), "ns"), new ChipFile.Setting("kernel_sync",
                new java.math.BigDecimal("0.02"), "ms")));
        assertEquals(2500, set.p2pLatencyNs(), 1e-9);
        assertEquals(20_000, set.kernelSyncNs(), 1e-9);
        assertEquals(shipped.softwareLaunchNs(), set.softwareLaunchNs(), "the other parameters as written");
        assertEquals(shipped.hbmBandwidth(), set.hbmBandwidth());
        assertEquals(shipped, ChipFile.withValues("sn40l", List.of()), "no setting: the file as written");
    }

    @Test
    void withValuesRejectsWhatAFileWouldBeRejectedFor() {
        assertSetRejected("p2p_latency", "2", "s", "chip sn40l.json (shipped) with p2p_latency = 2 s: parameter"
                + " \"p2p_latency\": expected a time from 0 to 1 s, found 2 s");
        assertSetRejected("kernel_sync", "-1", "us", "parameter \"kernel_sync\": expected a time from 0 to 1 s,"
                + " found -1 us");
        assertSetRejected("kernel_sync", "3", "GB", "parameter \"kernel_sync\": expected a unit of time");
        assertSetRejected("pcus", "10.5", "count", "parameter \"pcus\": expected a whole number of units");
        assertSetRejected("p2p_latenzy", "3", "us", "no parameter \"p2p_latenzy\" with a numeric value to set");
        var e = assertThrows(IllegalArgumentException.class,
                () -> new ChipFile.Setting("p2p_latency", null, "us"));
        assertTrue(e.getMessage().contains("a setting needs a parameter, a value and a unit"), e.getMessage());
    }

    private static void assertSetRejected(String parameter, String value, String unit, String message) {
        var e = assertThrows(ChipException.class, () -> ChipFile.withValues("sn40l",
                List.of(new ChipFile.Setting(parameter, new java.math.BigDecimal(value), unit))));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    private Path write(String text) throws IOException {
        Path file = Files.createTempFile(dir, "chip", ".json");
        Files.writeString(file, text);
        return file;
    }

    private static String shippedText() throws IOException {
        try (var in = ChipFile.class.getResourceAsStream("sn40l.json")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
