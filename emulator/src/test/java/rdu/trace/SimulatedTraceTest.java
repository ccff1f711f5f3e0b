package rdu.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.runtime.StepRecord;
import rdu.schedule.ScheduleOptions;
import rdu.simulate.Simulation;
import rdu.speculative.AcceptanceProfile;
import rdu.tensor.DType;
import rdu.timing.Pass;
import rdu.timing.SocketTimelines;
import rdu.timing.StepTiming;
import rdu.timing.TimingEngine;

/** Traces of simulated runs: a long one stays small enough to open and well-formed; counters stay true. */
class SimulatedTraceTest {

    private static final Chip SN40L = ChipFile.load("sn40l");
    private static final int STEPS = 1000;

    @TempDir
    Path dir;

    /** A small catalog model on two sockets (P2P traffic) at batch 4. */
    private Path trace(String name, int steps, TraceSteps inFull) {
        return trace(name, "llama-3.2-1b", 2, 4, 512, steps, inFull);
    }

    private Path trace(String name, String model, int sockets, int batch, int context, int steps, TraceSteps inFull) {
        var run = Simulation.of(model, SN40L, sockets, ScheduleOptions.defaults().withBatch(batch), DType.BF16,
                context, steps, false, false);
        Path file = dir.resolve(name);
        try (var trace = new ChromeTrace(file, SN40L.name(), sockets, inFull)) {
            run.run(true, step -> step.timings().forEach(timing -> trace.step(timing, 1, -1, "")));
        }
        return file;
    }

    @Test
    void aThousandStepsCostTheWindowInFullAndLittleMorePerStep() throws IOException {
        int fullSteps = 4;
        long perFullStep = Files.size(trace("full.json", fullSteps, new TraceSteps(0, fullSteps - 1, false)))
                / fullSteps;
        long size = Files.size(trace("long.json", STEPS, TraceSteps.DEFAULT));
        // the default window: 20 steps and the last in full; a summarized step may cost 1% of a full one
        long window = TraceSteps.DEFAULT.to() - TraceSteps.DEFAULT.from() + 2;
        long bound = window * perFullStep + (STEPS - window) * perFullStep / 100;
        assertTrue(size < bound, size + " bytes, bound " + bound + " (" + perFullStep + " bytes per full step)");
    }

    @Test
    void aLongTraceIsWellFormed() throws IOException {
        // a small window (to read the whole trace as a tree) after summarized steps, so that the trace goes from
        // summaries to full steps and back, and to the full last step
        TraceSteps inFull = new TraceSteps(2, 4, true);
        JsonNode root = JsonMapper.builder().build().readTree(trace("window.json", STEPS, inFull).toFile());
        Set<Integer> namedProcesses = new HashSet<>();
        Set<String> namedThreads = new HashSet<>();
        Map<String, ArrayDeque<long[]>> open = new HashMap<>(); // per thread: the slices enclosing the latest
        Map<String, Long> lastTs = new HashMap<>(); // per thread or counter track
        Set<Integer> tokens = new HashSet<>();
        for (JsonNode e : root.get("traceEvents")) {
            assertNotNull(e.get("name"), e.toString());
            String ph = e.get("ph").asText();
            int pid = e.get("pid") == null ? -1 : e.get("pid").asInt();
            String thread = pid + "/" + e.path("tid").asInt();
            switch (ph) {
                case "M" -> {
                    switch (e.get("name").asText()) {
                        case "process_name" -> assertTrue(namedProcesses.add(pid), e.toString());
                        case "thread_name" -> assertTrue(namedThreads.add(thread), e.toString());
                        default -> assertTrue(e.get("name").asText().endsWith("_sort_index"), e.toString());
                    }
                }
                case "X" -> {
                    assertTrue(namedProcesses.contains(pid) && namedThreads.contains(thread), "unnamed " + e);
                    long ts = nanos(e.get("ts"));
                    long end = ts + nanos(e.get("dur"));
                    assertTrue(end >= ts, e.toString());
                    assertFalse(lastTs.getOrDefault(thread, 0L) > ts, "ts goes back on " + thread + ": " + e);
                    lastTs.put(thread, ts);
                    ArrayDeque<long[]> stack = open.computeIfAbsent(thread, t -> new ArrayDeque<>());
                    while (!stack.isEmpty() && stack.peekLast()[1] <= ts) {
                        stack.removeLast();
                    }
                    assertTrue(stack.isEmpty() || end <= stack.peekLast()[1], "partial overlap on " + thread + ": " + e);
                    stack.addLast(new long[] {ts, end});
                    int token = e.get("args").get("token").asInt();
                    assertTrue(inFull.inFull(token, token == STEPS - 1)
                            || e.get("name").asText().equals("decode " + token), "a slice outside the window: " + e);
                }
                case "C" -> {
                    String track = pid + " " + e.get("name").asText();
                    long ts = nanos(e.get("ts"));
                    assertFalse(lastTs.getOrDefault(track, 0L) > ts, "ts goes back on " + track + ": " + e);
                    lastTs.put(track, ts);
                    assertWithinBandwidth(e);
                }
                case "i" -> assertTrue(tokens.add(e.get("args").get("token").asInt()), e.toString());
                default -> throw new AssertionError("unexpected event " + e);
            }
        }
        assertEquals(STEPS, tokens.size(), "one token mark per step");
        assertEquals(Set.of(0, 1, 2), namedProcesses, "the host and two sockets");
        for (String track : List.of("1 HBM bandwidth", "2 HBM bandwidth", "1 P2P bandwidth")) {
            assertTrue(lastTs.containsKey(track), track);
        }
    }

    @Test
    void countersNeverExceedTheBandwidthWhereTransfersSplitAcrossIdleGaps() throws IOException {
        // Llama 3.1 8B at batch 8: HBM serves KV-cache streams in the gaps between weight tiles, split into pieces
        Path file = trace("split.json", "llama-3.1-8b", 1, 8, 8192, 1, TraceSteps.DEFAULT);
        int counters = 0;
        for (JsonNode e : JsonMapper.builder().build().readTree(file.toFile()).get("traceEvents")) {
            if (e.get("ph").asText().equals("C")) {
                assertWithinBandwidth(e);
                counters++;
            }
        }
        assertTrue(counters > 0);
    }

    @Test
    void passesOfEveryPhaseOnASharedSocketMakeAWellFormedTraceNamedByPhase() throws IOException {
        // a prefill of 16 positions, then speculative steps: 2 draft passes, then the target verifies 3 positions
        var socket = new SocketTimelines();
        var target = new TimingEngine(SN40L, Simulation.of("llama-3.2-1b", SN40L, 1, ScheduleOptions.defaults(),
                DType.BF16, 0, 64, false, false).compile().target(), socket);
        var draft = new TimingEngine(SN40L, Simulation.of("qwen2.5-0.5b", SN40L, 1, ScheduleOptions.defaults(),
                DType.BF16, 0, 64, false, false).compile().target(), socket);
        List<Pass> passes = new ArrayList<>(List.of(new Pass(Pass.Phase.PREFILL, 0, 16)));
        for (int position = 16; position < 22; position += 2) {
            passes.add(new Pass(Pass.Phase.DRAFT, position, 1));
            passes.add(new Pass(Pass.Phase.DRAFT, position + 1, 1));
            passes.add(new Pass(Pass.Phase.VERIFY, position, 3));
        }
        Path file = dir.resolve("phases.json");
        try (var trace = new ChromeTrace(file, SN40L.name(), 1, new TraceSteps(0, passes.size() - 1, false))) {
            double t = 0;
            for (int step = 0; step < passes.size(); step++) {
                Pass pass = passes.get(step);
                TimingEngine engine = pass.phase() == Pass.Phase.DRAFT ? draft : target;
                StepTiming timing = engine.pass(step, pass, step == 0, t, true);
                trace.step(timing, 1, -1, "");
                t = timing.endNs();
            }
        }
        List<String> stepSlices = new ArrayList<>();
        for (JsonNode e : JsonMapper.builder().build().readTree(file.toFile()).get("traceEvents")) {
            if (e.get("ph").asText().equals("X") && e.get("pid").asInt() == 0 && e.get("tid").asInt() == 1) {
                stepSlices.add(e.get("name").asText() + " " + e.get("args").get("positions").asInt());
            } else if (e.get("ph").asText().equals("C")) {
                assertWithinBandwidth(e);
            }
        }
        assertEquals(List.of("prefill 0 16", "draft 1 1", "draft 2 1", "verify 3 3", "draft 4 1", "draft 5 1",
                "verify 6 3", "draft 7 1", "draft 8 1", "verify 9 3"), stepSlices,
                "the host's steps thread: each pass by its phase and step, with its positions");
    }

    private static void assertWithinBandwidth(JsonNode counter) {
        double rate = counter.get("args").get("GB/s").asDouble();
        double limit = switch (counter.get("name").asText()) {
            case "HBM bandwidth" -> SN40L.hbmBandwidth();
            case "P2P bandwidth" -> SN40L.p2pBandwidth();
            default -> SN40L.ddrBandwidth();
        } / 1e9;
        // a piece of a split transfer carries a whole number of bytes: its rate may be off by a byte's worth
        assertTrue(rate >= 0 && rate <= limit * (1 + 1e-3), "a rate beyond the link: " + counter);
    }

    /** A trace time (us) as Perfetto's JSON import reads it: rounded to whole nanoseconds. */
    private static long nanos(JsonNode micros) {
        return Math.round(micros.asDouble() * 1000);
    }

    @Test
    void aSpeculativeRunShowsItsDraftAndVerifyPassesAndMarksWhatEachStepCommitted() throws IOException {
        var run = Simulation.of("llama-3.1-8b", SN40L, 2, ScheduleOptions.defaults(), DType.BF16, 0, 24, false, false)
                .withPrompt(40).withSpeculation("llama-3.2-1b", 4, AcceptanceProfile.rate(0.7));
        Path file = dir.resolve("speculative.json");
        List<StepRecord> steps = new ArrayList<>();
        try (var trace = new ChromeTrace(file, SN40L.name(), 2, TraceSteps.DEFAULT)) {
            run.run(true, step -> {
                steps.add(step);
                trace.step(step, -1, "");
            });
        }
        JsonNode root = JsonMapper.builder().build().readTree(file.toFile());
        List<String> stepSlices = new ArrayList<>();
        int committed = 0;
        int marks = 0;
        for (JsonNode e : root.get("traceEvents")) {
            if (e.get("ph").asText().equals("i")) {
                marks++;
                committed += e.get("args").get("committed").asInt();
            } else if (e.get("ph").asText().equals("X") && e.get("name").asText().matches("(prefill|decode|draft|verify) \\d+")) {
                stepSlices.add(e.get("name").asText());
            }
        }
        assertEquals(steps.size(), marks, "one mark per step, on the pass that committed its tokens");
        assertEquals(24, committed, "the marks count every generated token");
        assertTrue(stepSlices.contains("prefill 0") && stepSlices.contains("draft 1") && stepSlices.contains("verify 1"),
                stepSlices.toString());
        assertTrue(steps.stream().anyMatch(s -> s.tokens() > 1), "some step committed several tokens");
    }
}
