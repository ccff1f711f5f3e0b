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
        return new StepTiming(k, t, t + 9500, 10_500_000, 0, 2, slices);
    }

    private JsonNode writeThreeSteps() throws IOException {
        Path file = dir.resolve("trace.json");
        try (var trace = new ChromeTrace(file, "SN40L")) {
            for (int k = 0; k < 3; k++) {
                trace.step(step(k), 100 + k, k == 1 ? "a \"quoted\",\ntoken" : "tok" + k);
            }
        }
        return JsonMapper.builder().build().readTree(file.toFile());
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
        assertEquals(33, slices.size(), "11 slices in each of 3 steps");
        Map<String, List<double[]>> perThread = new HashMap<>();
        for (JsonNode x : slices) {
            for (String field : List.of("pid", "tid", "ts", "dur", "name")) {
                assertTrue(x.has(field), field + " missing in " + x);
            }
            double ts = x.get("ts").asDouble();
            perThread.computeIfAbsent(x.get("pid") + "/" + x.get("tid"), k -> new ArrayList<>())
                    .add(new double[] {ts, ts + x.get("dur").asDouble()});
        }
        assertEquals(7, perThread.size(), "one thread per resource");
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
        // tids count from 1 per process in order of first appearance; at equal starts the longer slice comes first
        assertEquals(Map.of("0/1", "runtime", "1/1", "AGCU", "1/2", "PCU", "1/3", "HBM", "1/4", "P2P 0->1",
                "2/1", "PCU", "2/2", "HBM"), threadNames);
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
        // 20,000 + 8,000.5 ns and 1,499.5 ns: the half nanosecond survives
        assertEquals(28.0005, sampling.get("ts").asDouble(), 0);
        assertEquals(1.4995, sampling.get("dur").asDouble(), 0);
        assertEquals(23.5, weights.get("ts").asDouble(), 0);
        assertEquals(2.5, weights.get("dur").asDouble(), 0);
        assertEquals("decoders", weights.get("args").get("kernel").asText());
        assertEquals(2_000_000L, weights.get("args").get("bytes").asLong());
        assertEquals(List.of("bytes", "kernel", "layer", "token"), fieldNames(weights.get("args")));
    }

    @Test
    void aTokenArgumentAlreadyGivenIsKept() throws IOException {
        Path file = dir.resolve("token.json");
        try (var trace = new ChromeTrace(file, "SN40L")) {
            trace.step(new StepTiming(5, 0, 10, 0, 0, 1, List.of(slice(PCU0, "k", 0, 10, "token", 7))), 1, "x");
        }
        JsonNode x = events(JsonMapper.builder().build().readTree(file.toFile()), "X").getFirst();
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
        try (var trace = new ChromeTrace(file, "SN40L")) {
            trace.step(new StepTiming(0, 0, 2000, 0, 0, 1, List.of(
                    slice(P2P01, "send", 0, 1000, "bytes", 1000L),
                    slice(new Resource(0, "P2P 0->2"), "send", 500, 1500, "bytes", 2000L))), 1, "x");
        }
        List<String> points = new ArrayList<>();
        for (JsonNode c : events(JsonMapper.builder().build().readTree(file.toFile()), "C")) {
            points.add(c.get("ts").asDouble() + "us=" + c.get("args").get("GB/s").asDouble());
        }
        assertEquals(List.of("0.0us=1.0", "0.5us=3.0", "1.0us=2.0", "1.5us=0.0"), points);
    }

    @Test
    void partialOverlapOnOneResourceIsRejectedNamingBothSlices() throws IOException {
        Path file = dir.resolve("bad.json");
        try (var trace = new ChromeTrace(file, "SN40L")) {
            var bad = new StepTiming(0, 0, 100, 0, 0, 1, List.of(
                    slice(PCU0, "outer", 0, 100), slice(PCU0, "inner", 20, 50), slice(PCU0, "straddle", 40, 70)));
            var e = assertThrows(IllegalStateException.class, () -> trace.step(bad, 1, "x"));
            assertTrue(e.getMessage().contains("socket 0 PCU") && e.getMessage().contains("'straddle' [40.0, 70.0)")
                    && e.getMessage().contains("'inner' [20.0, 50.0)"), e.getMessage());

            var late = new StepTiming(1, 100, 200, 0, 0, 1, List.of(slice(PCU0, "early", 10, 15)));
            var order = assertThrows(IllegalStateException.class, () -> trace.step(late, 1, "x"));
            assertTrue(order.getMessage().contains("'early' [10.0, 15.0)"), order.getMessage());
        }
        assertTrue(JsonMapper.builder().build().readTree(file.toFile()).get("traceEvents").isArray(),
                "the trace written before the error still closes as valid JSON");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
