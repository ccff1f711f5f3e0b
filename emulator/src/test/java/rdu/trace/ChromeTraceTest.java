package rdu.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.timing.Pass;
import rdu.timing.Resource;
import rdu.timing.Slice;
import rdu.timing.StepTiming;

class ChromeTraceTest {

    private static final Resource RUNTIME = Resource.host("runtime");
    private static final Resource AGCU0 = new Resource(0, "AGCU");
    private static final Resource PCU0 = new Resource(0, "PCU");
    private static final Resource HBM0 = new Resource(0, "HBM");
    private static final Resource P2P01 = new Resource(0, "P2P 0->1");
    private static final Resource PCU1 = new Resource(1, "PCU");
    private static final Resource HBM1 = new Resource(1, "HBM");

    @TempDir
    Path dir;

    private static Slice slice(Resource resource, String name, double startNs, double endNs, Object... args) {
        Map<String, Object> map = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            map.put((String) args[i], args[i + 1]);
        }
        return new Slice(resource, name, startNs, endNs - startNs, map);
    }

    private static Pass decode(int step) {
        return new Pass(Pass.Phase.DECODE, step, 1);
    }

    /** A decode step every 10 us: host launch, a looped decoder kernel with two nested layers, weights streamed. */
    private static StepTiming step(int k) {
        double t = k * 10_000.0;
        // listed out of time order on purpose: the writer sorts each step
        var slices = List.of(
                slice(HBM0, "weights", t + 1000, t + 3500, "layer", 0, "kernel", "decoders", "bytes", 2_500_000L),
                slice(HBM0, "weights", t + 3500, t + 6000, "layer", 1, "kernel", "decoders", "bytes", 2_000_000L),
                slice(RUNTIME, "launch", t, t + 1000, "kernel", "decoders"),
                slice(AGCU0, "orchestrate", t + 1000, t + 8000, "kernel", "decoders"),
                slice(PCU0, "layer 1", t + 4000, t + 8000, "layer", 1, "kernel", "decoders"),
                slice(PCU0, "decoders", t + 1000, t + 8000, "kernel", "decoders"),
                slice(PCU0, "layer 0", t + 1000, t + 4000, "layer", 0, "kernel", "decoders"),
                slice(P2P01, "allreduce", t + 7000, t + 7500, "layer", 1, "bytes", 5000L),
                slice(HBM1, "weights", t + 1000, t + 6000, "layer", 0, "kernel", "decoders", "bytes", 1_000_000L),
                slice(PCU1, "decoders", t + 1000, t + 8000, "kernel", "decoders"),
                slice(RUNTIME, "sampling", t + 8000.5, t + 9500, "kernel", "sampling"));
        return new StepTiming(k, decode(k), t, t + 9500, 10_500_000, 0, 2, 0, slices);
    }

    private JsonNode writeThreeSteps() throws IOException {
        Path file = dir.resolve("trace.json");
        try (var trace = new ChromeTrace(file, "SN40L", 1, TraceSteps.DEFAULT)) {
            for (int k = 0; k < 3; k++) {
                trace.step(step(k), 1, 100 + k, k == 1 ? "a \"quoted\",\ntoken" : "tok" + k);
            }
        }
        return JsonMapper.builder().build().readTree(file.toFile());
    }

    private JsonNode writeSteps(int steps, TraceSteps inFull) throws IOException {
        Path file = dir.resolve("steps.json");
        try (var trace = new ChromeTrace(file, "SN40L", 1, inFull)) {
            for (int k = 0; k < steps; k++) {
                trace.step(step(k), 1, 100 + k, "tok" + k);
            }
        }
        return JsonMapper.builder().build().readTree(file.toFile());
    }

    /** Socket 0's points on a counter track from {@code fromUs} to before {@code toUs}, as "ts=GB/s". */
    private static List<String> socket0Points(JsonNode root, String counter, double fromUs, double toUs) {
        List<String> points = new ArrayList<>();
        for (JsonNode c : events(root, "C")) {
            double ts = c.get("ts").asDouble();
            if (c.get("pid").asInt() == 1 && c.get("name").asText().equals(counter) && ts >= fromUs && ts < toUs) {
                points.add(ts + "us=" + c.get("args").get("GB/s").asDouble());
            }
        }
        return points;
    }

    private static List<JsonNode> events(JsonNode root, String ph) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode event : root.get("traceEvents")) {
            if (event.get("ph").asText().equals(ph)) {
                found.add(event);
            }
        }
        return found;
    }

    @Test
    void completeEventsHaveTheirFieldsAndNeverPartiallyOverlapOnAThread() throws IOException {
        JsonNode root = writeThreeSteps();
        assertTrue(root.isObject());
        assertEquals("ns", root.get("displayTimeUnit").asText());
        List<JsonNode> slices = events(root, "X");
        assertEquals(42, slices.size(), "11 slices and 3 step slices (host and two sockets) in each of 3 steps");
        Map<String, List<double[]>> perThread = new HashMap<>();
        for (JsonNode x : slices) {
            for (String field : List.of("pid", "tid", "ts", "dur", "name")) {
                assertTrue(x.has(field), field + " missing in " + x);
            }
            double ts = x.get("ts").asDouble();
            perThread.computeIfAbsent(x.get("pid") + "/" + x.get("tid"), k -> new ArrayList<>())
                    .add(new double[] {ts, ts + x.get("dur").asDouble()});
        }
        assertEquals(10, perThread.size(), "one thread per resource, and a steps thread per process");
        for (var thread : perThread.entrySet()) {
            List<double[]> intervals = thread.getValue();
            for (double[] a : intervals) {
                for (double[] b : intervals) {
                    boolean disjoint = a[1] <= b[0] || b[1] <= a[0];
                    boolean nested = a[0] <= b[0] && b[1] <= a[1] || b[0] <= a[0] && a[1] <= b[1];
                    assertTrue(disjoint || nested, "thread " + thread.getKey() + ": partial overlap");
                }
            }
        }
    }

    @Test
    void everyProcessAndThreadIsNamedOnceWithAStableOrder() throws IOException {
        JsonNode root = writeThreeSteps();
        Map<Integer, String> processNames = new HashMap<>();
        Map<String, String> threadNames = new HashMap<>();
        Set<Integer> sortedPids = new HashSet<>();
        Set<String> sortedThreads = new HashSet<>();
        for (JsonNode m : events(root, "M")) {
            int pid = m.get("pid").asInt();
            String thread = pid + "/" + m.get("tid").asInt();
            switch (m.get("name").asText()) {
                case "process_name" -> assertNull(processNames.put(pid, m.get("args").get("name").asText()));
                case "thread_name" -> assertNull(threadNames.put(thread, m.get("args").get("name").asText()));
                case "process_sort_index" -> {
                    assertTrue(sortedPids.add(pid));
                    assertEquals(pid, m.get("args").get("sort_index").asInt());
                }
                case "thread_sort_index" -> {
                    assertTrue(sortedThreads.add(thread));
                    assertEquals(m.get("tid").asInt(), m.get("args").get("sort_index").asInt());
                }
                default -> throw new AssertionError("unexpected metadata " + m);
            }
        }
        assertEquals(Map.of(0, "host", 1, "socket 0 (SN40L)", 2, "socket 1 (SN40L)"), processNames);
        assertEquals(processNames.keySet(), sortedPids);
        assertEquals(threadNames.keySet(), sortedThreads);
        // tids count from 1 per process in order of first appearance, the steps first; at equal starts the
        // longer slice comes first
        assertEquals(Map.of("0/1", "steps", "0/2", "runtime", "1/1", "steps", "1/2", "AGCU", "1/3",
                "PCU", "1/4", "HBM", "1/5", "P2P 0->1", "2/1", "steps", "2/2", "PCU", "2/3", "HBM"), threadNames);
        for (JsonNode x : events(root, "X")) {
            assertTrue(threadNames.containsKey(x.get("pid").asInt() + "/" + x.get("tid").asInt()), x.toString());
        }
    }

    @Test
    void timesAreMicrosecondsAndArgsCarryTokenLayerKernelBytes() throws IOException {
        JsonNode root = writeThreeSteps();
        JsonNode sampling = null;
        JsonNode weights = null;
        for (JsonNode x : events(root, "X")) {
            JsonNode args = x.get("args");
            if (x.get("name").asText().equals("sampling") && args.get("token").asInt() == 2) {
                sampling = x;
            }
            if (x.get("pid").asInt() == 1 && x.get("name").asText().equals("weights") && args.get("token").asInt() == 2
                    && args.get("layer").asInt() == 1) {
                weights = x;
            }
        }
        // [28,000.5, 29,500) ns: whole nanoseconds, as Perfetto keeps them, the ends rounded (half up) and the
        // duration what lies between them
        assertEquals(28.001, sampling.get("ts").asDouble(), 0);
        assertEquals(1.499, sampling.get("dur").asDouble(), 0);
        assertEquals(23.5, weights.get("ts").asDouble(), 0);
        assertEquals(2.5, weights.get("dur").asDouble(), 0);
        assertEquals("decoders", weights.get("args").get("kernel").asText());
        assertEquals(2_000_000L, weights.get("args").get("bytes").asLong());
        assertEquals(List.of("bytes", "kernel", "layer", "token"), fieldNames(weights.get("args")));
    }

    @Test
    void slicesMeetingAtAFractionOfANanosecondStayDisjointInPerfettosWholeNanoseconds() throws IOException {
        // two weight tiles back to back, as the engine times them (llama-3.2-1b, batch 4)
        double start = 69_116.57564102565;
        double tile = 327.68;
        Path file = dir.resolve("fraction.json");
        try (var trace = new ChromeTrace(file, "SN40L", 1, TraceSteps.DEFAULT)) {
            trace.step(new StepTiming(0, decode(0), 0, 70_000, 0, 0, 1, 0, List.of(
                    slice(PCU0, "tile 0", start, start + tile), slice(PCU0, "tile 1", start + tile, start + 2 * tile))), 1,
                    1, "x");
        }
        List<long[]> tiles = new ArrayList<>();
        for (JsonNode x : events(JsonMapper.builder().build().readTree(file.toFile()), "X")) {
            if (x.get("name").asText().startsWith("tile")) {
                // Perfetto's JSON import: each of ts and dur (us) rounded to whole nanoseconds
                long ts = Math.round(x.get("ts").asDouble() * 1000);
                tiles.add(new long[] {ts, ts + Math.round(x.get("dur").asDouble() * 1000)});
            }
        }
        assertTrue(tiles.get(0)[1] <= tiles.get(1)[0], "tile 0 ends at " + tiles.get(0)[1] + " ns, after tile 1"
                + " starts at " + tiles.get(1)[0] + " ns");
    }

    @Test
    void aTokenArgumentAlreadyGivenIsKept() throws IOException {
        Path file = dir.resolve("token.json");
        try (var trace = new ChromeTrace(file, "SN40L", 1, TraceSteps.DEFAULT)) {
            trace.step(new StepTiming(5, decode(5), 0, 10, 0, 0, 1, 0, List.of(slice(PCU0, "k", 0, 10, "token", 7))),
                    1, 1, "x");
        }
        JsonNode x = events(JsonMapper.builder().build().readTree(file.toFile()), "X").stream()
                .filter(e -> e.get("name").asText().equals("k")).findFirst().orElseThrow();
        assertEquals(7, x.get("args").get("token").asInt());
    }

    @Test
    void oneInstantPerTokenAtTheEndOfItsStep() throws IOException {
        List<JsonNode> instants = events(writeThreeSteps(), "i");
        assertEquals(3, instants.size());
        for (int k = 0; k < 3; k++) {
            JsonNode token = instants.get(k);
            assertEquals("token " + k, token.get("name").asText());
            assertEquals("g", token.get("s").asText());
            assertEquals(k * 10 + 9.5, token.get("ts").asDouble(), 0);
            assertEquals(k, token.get("args").get("token").asInt());
            assertEquals(100 + k, token.get("args").get("token_id").asInt());
        }
        assertEquals("a \"quoted\",\ntoken", instants.get(1).get("args").get("text").asText());
    }

    @Test
    void hbmCounterShowsEachTransferRateAndDropsToZeroWhenIdle() throws IOException {
        JsonNode root = writeThreeSteps();
        List<String> socket0 = new ArrayList<>();
        List<String> socket1 = new ArrayList<>();
        for (JsonNode c : events(root, "C")) {
            if (c.get("name").asText().equals("HBM bandwidth") && c.get("ts").asDouble() < 10) {
                String point = c.get("ts").asDouble() + "us=" + c.get("args").get("GB/s").asDouble();
                (c.get("pid").asInt() == 1 ? socket0 : socket1).add(point);
            }
        }
        // 2.5 MB in 2.5 us = 1000 GB/s, then back to back 2 MB in 2.5 us = 800 GB/s: no dip between them
        assertEquals(List.of("1.0us=1000.0", "3.5us=800.0", "6.0us=0.0"), socket0);
        assertEquals(List.of("1.0us=200.0", "6.0us=0.0"), socket1);
        assertTrue(events(root, "C").stream().anyMatch(c -> c.get("name").asText().equals("P2P bandwidth")
                && c.get("ts").asDouble() == 27 && c.get("args").get("GB/s").asDouble() == 10));
    }

    @Test
    void concurrentLinksOfASocketAddUp() throws IOException {
        Path file = dir.resolve("p2p.json");
        try (var trace = new ChromeTrace(file, "SN40L", 1, TraceSteps.DEFAULT)) {
            trace.step(new StepTiming(0, decode(0), 0, 2000, 0, 0, 1, 0, List.of(
                    slice(P2P01, "send", 0, 1000, "bytes", 1000L),
                    slice(new Resource(0, "P2P 0->2"), "send", 500, 1500, "bytes", 2000L))), 1, 1, "x");
        }
        List<String> points = new ArrayList<>();
        for (JsonNode c : events(JsonMapper.builder().build().readTree(file.toFile()), "C")) {
            points.add(c.get("ts").asDouble() + "us=" + c.get("args").get("GB/s").asDouble());
        }
        assertEquals(List.of("0.0us=1.0", "0.5us=3.0", "1.0us=2.0", "1.5us=0.0"), points);
    }

    @Test
    void stepsOutsideTheWindowKeepOnlyTheirStepSlicesAndTheLastStepIsKeptInFull() throws IOException {
        JsonNode root = writeSteps(30, new TraceSteps(2, 3, true));
        Map<Integer, Integer> slicesPerStep = new HashMap<>();
        for (JsonNode x : events(root, "X")) {
            int token = x.get("args").get("token").asInt();
            slicesPerStep.merge(token, 1, Integer::sum);
            boolean inFull = token == 2 || token == 3 || token == 29;
            assertTrue(inFull || x.get("name").asText().equals("decode " + token), x.toString());
        }
        for (int k = 0; k < 30; k++) {
            boolean inFull = k == 2 || k == 3 || k == 29;
            assertEquals(inFull ? 14 : 3, slicesPerStep.get(k), "step " + k);
        }
        assertEquals(30, events(root, "i").size(), "every step keeps its token");
    }

    @Test
    void aStepSliceCoversTheStepWithWhatEachProcessMoved() throws IOException {
        JsonNode root = writeSteps(30, TraceSteps.DEFAULT);
        Map<Integer, JsonNode> step25 = new HashMap<>();
        for (JsonNode x : events(root, "X")) {
            if (x.get("name").asText().equals("decode 25")) {
                assertNull(step25.put(x.get("pid").asInt(), x));
            }
        }
        assertEquals(Set.of(0, 1, 2), step25.keySet(), "the host and both sockets");
        for (JsonNode x : step25.values()) {
            assertEquals(250, x.get("ts").asDouble(), 0);
            assertEquals(9.5, x.get("dur").asDouble(), 0);
            assertEquals(2, x.get("args").get("kernel_calls").asInt());
        }
        assertEquals(125, step25.get(0).get("args").get("token_id").asInt());
        JsonNode socket0 = step25.get(1).get("args");
        assertEquals(List.of(2_500_000L + 2_000_000L, 0L, 5000L), List.of(socket0.get("hbm_bytes").asLong(),
                socket0.get("ddr_bytes").asLong(), socket0.get("p2p_bytes").asLong()));
        JsonNode socket1 = step25.get(2).get("args");
        assertEquals(List.of(1_000_000L, 0L, 0L), List.of(socket1.get("hbm_bytes").asLong(),
                socket1.get("ddr_bytes").asLong(), socket1.get("p2p_bytes").asLong()));
    }

    @Test
    void outsideTheWindowACounterShowsEachStepsAverageAndDropsToZeroBeforeTheNextFullStep() throws IOException {
        JsonNode root = writeSteps(30, new TraceSteps(0, 3, true));
        String average = "=" + (2_500_000 + 2_000_000) / 9500.0; // bytes per ns = GB/s over the 9.5 us step
        // step 3 in full (transfers at 31 and 33.5 us, idle from 36), then steps 4 and 5 summarized; each average
        // ends with its step (these steps leave 0.5 us between them)
        assertEquals(List.of("31.0us=1000.0", "33.5us=800.0", "36.0us=0.0", "40.0us" + average, "49.5us=0.0",
                "50.0us" + average, "59.5us=0.0"), socket0Points(root, "HBM bandwidth", 30, 60));
        // step 28 summarized, then the last step in full
        assertEquals(List.of("280.0us" + average, "289.5us=0.0", "291.0us=1000.0", "293.5us=800.0", "296.0us=0.0"),
                socket0Points(root, "HBM bandwidth", 280, 300));
        assertEquals(List.of("37.0us=10.0", "37.5us=0.0", "40.0us=" + 5000 / 9500.0),
                socket0Points(root, "P2P bandwidth", 30, 41));
        assertTrue(socket0Points(root, "DDR bandwidth", 0, 1e9).isEmpty(), "no DDR traffic, no DDR track");
    }

    @Test
    void aWindowGivenLeavesTheLastStepSummarizedAndItsAverageEndsWithTheRun() throws IOException {
        JsonNode root = writeSteps(3, new TraceSteps(0, 0, false));
        for (JsonNode x : events(root, "X")) {
            int token = x.get("args").get("token").asInt();
            assertTrue(token == 0 || x.get("name").asText().equals("decode " + token), x.toString());
        }
        List<String> points = socket0Points(root, "HBM bandwidth", 0, 1e9);
        assertEquals("29.5us=0.0", points.getLast(), points.toString());
    }

    @Test
    void socketZeroStandsForEverySocketInFullAndInSummary() throws IOException {
        Path file = dir.resolve("sockets.json");
        try (var trace = new ChromeTrace(file, "SN40L", 3, new TraceSteps(0, 0, false))) {
            for (int k = 0; k < 2; k++) {
                trace.step(new StepTiming(k, decode(k), k * 100, k * 100 + 100, 50, 0, 1, 0, List.of(
                        slice(RUNTIME, "launch", k * 100, k * 100 + 10),
                        slice(HBM0, "weights", k * 100 + 10, k * 100 + 60, "bytes", 50L))), 1, 1, "x");
            }
        }
        JsonNode root = JsonMapper.builder().build().readTree(file.toFile());
        Map<String, Integer> perStepAndProcess = new HashMap<>();
        for (JsonNode x : events(root, "X")) {
            perStepAndProcess.merge(x.get("args").get("token") + "/" + x.get("pid"), 1, Integer::sum);
            if (x.get("name").asText().equals("decode 1") && x.get("pid").asInt() > 0) {
                assertEquals(50, x.get("args").get("hbm_bytes").asLong(), x.toString());
            }
        }
        // step 0 in full: the step slice and the weights on each socket; step 1: step slices only
        assertEquals(Map.of("0/0", 2, "0/1", 2, "0/2", 2, "0/3", 2, "1/0", 1, "1/1", 1, "1/2", 1, "1/3", 1),
                perStepAndProcess);
    }

    @Test
    void everyStepHasAStepSliceOnTheHostAndEachSocketEvenWhereTheyDidNothing() throws IOException {
        Path file = dir.resolve("idle.json");
        try (var trace = new ChromeTrace(file, "SN40L", 2, TraceSteps.DEFAULT)) {
            // an offloaded step: the AGCU moves on by itself, the host does nothing
            trace.step(new StepTiming(1, decode(1), 0, 100, 0, 0, 1, 0,
                    List.of(slice(AGCU0, "offloaded decode step", 0, 10))), 1, 1, "x");
        }
        Set<Integer> processes = new HashSet<>();
        for (JsonNode x : events(JsonMapper.builder().build().readTree(file.toFile()), "X")) {
            if (x.get("name").asText().equals("decode 1")) {
                assertTrue(processes.add(x.get("pid").asInt()), x.toString());
            }
        }
        assertEquals(Set.of(0, 1, 2), processes);
    }

    @Test
    void partialOverlapOnOneResourceIsRejectedNamingBothSlices() throws IOException {
        Path file = dir.resolve("bad.json");
        var bad = new StepTiming(0, decode(0), 0, 100, 0, 0, 1, 0, List.of(
                slice(PCU0, "outer", 0, 100), slice(PCU0, "inner", 20, 50), slice(PCU0, "straddle", 40, 70)));
        var trace = new ChromeTrace(file, "SN40L", 1, TraceSteps.DEFAULT);
        trace.step(bad, 1, 1, "x");
        var e = assertThrows(IllegalStateException.class, trace::close, "a step is written, and checked, at close");
        assertTrue(e.getMessage().contains("socket 0 PCU") && e.getMessage().contains("'straddle' [40.0, 70.0)")
                && e.getMessage().contains("'inner' [20.0, 50.0)"), e.getMessage());
        assertTrue(JsonMapper.builder().build().readTree(file.toFile()).get("traceEvents").isArray(),
                "the trace written before the error still closes as valid JSON");

        Path order = dir.resolve("order.json");
        var late = new StepTiming(1, decode(1), 100, 200, 0, 0, 1, 0, List.of(slice(PCU0, "early", 10, 15)));
        try (var ordered = new ChromeTrace(order, "SN40L", 1, TraceSteps.DEFAULT)) {
            ordered.step(new StepTiming(0, decode(0), 0, 100, 0, 0, 1, 0, List.of(slice(PCU0, "k", 20, 100))), 1, 1,
                    "x");
            ordered.step(late, 1, 1, "x");
            var backwards = assertThrows(IllegalStateException.class, () -> ordered.step(step(2), 1, 1, "x"));
            assertTrue(backwards.getMessage().contains("'early' [10.0, 15.0)"), backwards.getMessage());
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
