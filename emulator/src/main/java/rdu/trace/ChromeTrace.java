package rdu.trace;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import rdu.runtime.StepRecord;
import rdu.timing.Resource;
import rdu.timing.Slice;
import rdu.timing.StepTiming;

/**
 * Writes modeled time as a Chrome Trace Event file (JSON object format) that ui.perfetto.dev and chrome://tracing
 * open: one process per socket plus one for the host, one thread per resource, HBM/DDR/P2P bandwidth counters per
 * socket and an instant event per token. Every process also has a "steps" thread with one slice per step, named by
 * its pass's phase and step ("prefill 0", "decode 1", "draft 2", "verify 2"), with its modeled time, positions,
 * token and bytes. The steps of a {@link TraceSteps} window keep every slice and a counter point per
 * transfer; the other steps keep only their step slice and one counter point per step (the step's average rate), so
 * a trace of a thousand steps stays small enough to open, and costs little more than the run to write. Events stream
 * to disk, one step at a time.
 */
public final class ChromeTrace implements AutoCloseable {

    private static final int HOST_PID = 0;
    /** The thread of each process holding one slice per step. */
    private static final String STEPS_THREAD = "steps";
    /** The counter tracks of a socket, in the order of a step slice's byte arguments. */
    private static final List<String> COUNTERS = List.of("HBM bandwidth", "DDR bandwidth", "P2P bandwidth");
    /** Within a step, earlier slices first and, at the same start, the enclosing one before what it encloses. */
    private static final Comparator<Slice> TIME_ORDER =
            Comparator.comparingDouble(Slice::startNs).thenComparing(Comparator.comparingDouble(Slice::endNs).reversed());

    private final Path file;
    private final String chipName;
    private final JsonGenerator json;
    private final Map<Resource, Integer> tids = new HashMap<>();
    /** Threads named so far per process; a process is named when it first appears here. */
    private final Map<Integer, Integer> threadCounts = new HashMap<>();
    /** Per resource, the slices enclosing the latest one, outermost first (the last is the latest itself). */
    private final Map<Resource, ArrayDeque<Slice>> open = new HashMap<>();
    private final Map<String, BandwidthTrack> bandwidth = new LinkedHashMap<>();
    private final int sockets;
    private final TraceSteps inFull;
    /** The latest step, written when the next one comes or at close: only then is it known to be the last. */
    private Step held;

    /** A step given to {@link #step}. */
    private record Step(StepTiming timing, int committed, int tokenId, String tokenText) {
    }

    /** A transfer still running on a bandwidth track. */
    private record Transfer(double endNs, double gbPerSecond) {
    }

    /** One counter track: the sum of the rates of the transfers running on it. */
    private static final class BandwidthTrack {
        final int pid;
        final String name;
        final PriorityQueue<Transfer> running = new PriorityQueue<>(Comparator.comparingDouble(Transfer::endNs));
        double gbPerSecond;
        double lastStartNs = Double.NEGATIVE_INFINITY;
        /** While the track shows a summarized step's average rate: when that step ended; NaN otherwise. */
        double averageUntilNs = Double.NaN;

        BandwidthTrack(int pid, String name) {
            this.pid = pid;
            this.name = name;
        }
    }

    /**
     * @param chipName names the socket processes, e.g. "socket 0 (SN40L)"
     * @param sockets  sockets of the run; the steps' socket 0 slices stand for all of them (see
     *                 {@link StepTiming#onSockets(int)})
     * @param inFull   the steps that keep every slice
     */
    public ChromeTrace(Path file, String chipName, int sockets, TraceSteps inFull) {
        this.file = file;
        this.chipName = chipName;
        this.sockets = sockets;
        this.inFull = inFull;
        try {
            json = JsonMapper.builder().build().createGenerator(Files.newOutputStream(file));
            json.writeStartObject();
            json.writeStringField("displayTimeUnit", "ns");
            json.writeArrayFieldStart("traceEvents");
        } catch (IOException e) {
            throw new UncheckedIOException("writing trace " + file, e);
        }
    }

    /**
     * Appends every pass of a step, as {@link #step(StepTiming, int, int, String)} does; the last pass, which committed
     * the step's tokens, carries its mark.
     *
     * @param tokenId the last committed token's id (-1 where a timing-only run does not know it)
     * @param text    the committed tokens' text
     */
    public void step(StepRecord step, int tokenId, String text) {
        List<StepTiming> passes = step.timings();
        for (int p = 0; p < passes.size(); p++) {
            boolean last = p == passes.size() - 1;
            step(passes.get(p), last ? step.tokens() : 0, last ? tokenId : -1, last ? text : "");
        }
    }

    /**
     * Appends one pass of a step: its slices (if the step is in the window) or its summary, the bandwidth they imply
     * and, when it is the pass that committed the step's tokens, an instant mark with how many it committed, the last
     * one's id and their text. The step needs its slices (a traced timing), as they tell what each process moved. It is
     * written when the next step comes, or at {@link #close()}.
     *
     * @throws IllegalStateException when the previous step, written in full, has a slice that partially overlaps an
     *                               earlier one on its resource, or starts before one already written there
     *                               (upstream timing bugs Perfetto would mis-draw)
     */
    public void step(StepTiming timing, int committed, int tokenId, String tokenText) {
        Step previous = held;
        held = new Step(timing, committed, tokenId, tokenText);
        try {
            if (previous != null) {
                write(previous, false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing trace " + file, e);
        }
    }

    /**
     * Writes the last step and the transfers still running, and finishes the file.
     *
     * @throws IllegalStateException as {@link #step}, for the last step; the file is still finished
     */
    @Override
    public void close() {
        try (json) {
            if (held != null) {
                write(held, true);
            }
            for (BandwidthTrack track : bandwidth.values()) {
                endAverage(track, Double.POSITIVE_INFINITY);
                endTransfers(track, Double.POSITIVE_INFINITY);
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing trace " + file, e);
        }
    }

    private void write(Step step, boolean isLast) throws IOException {
        StepTiming timing = step.timing();
        boolean full = inFull.inFull(timing.step(), isLast);
        // per process (the host and every socket), the bytes it moved per counter (HBM, DDR, P2P); sockets other
        // than 0 did the same as socket 0
        Map<Integer, long[]> moved = new TreeMap<>();
        moved.put(HOST_PID, new long[COUNTERS.size()]);
        moved.put(socketPid(0), new long[COUNTERS.size()]);
        for (Slice slice : timing.slices()) {
            long[] bytes = moved.computeIfAbsent(pid(slice.resource()), p -> new long[COUNTERS.size()]);
            String counter = counterName(slice.resource().name());
            if (counter != null) {
                bytes[COUNTERS.indexOf(counter)] += slice.bytes();
            }
        }
        for (int socket = 1; socket < sockets; socket++) {
            moved.put(socketPid(socket), moved.get(socketPid(0)));
        }
        for (var process : moved.entrySet()) {
            writeStepSlice(step, process.getKey(), process.getValue());
        }
        if (full) {
            List<Slice> slices = new ArrayList<>(timing.onSockets(sockets).slices());
            slices.sort(TIME_ORDER);
            for (Slice slice : slices) {
                checkNesting(slice);
                writeSlice(timing.step(), slice);
                String counter = counterName(slice.resource().name());
                if (counter != null && slice.durationNs() > 0) { // a zero-length transfer has no rate to show
                    addTransfer(slice, counter);
                }
            }
            for (BandwidthTrack track : bandwidth.values()) {
                endAverage(track, Double.POSITIVE_INFINITY); // no transfer on it in this step
            }
        } else {
            for (var process : moved.entrySet()) {
                for (int counter = 0; counter < COUNTERS.size(); counter++) {
                    writeAverage(process.getKey(), COUNTERS.get(counter), process.getValue()[counter], timing);
                }
            }
        }
        if (step.committed() == 0) {
            return; // a draft pass, or a prefill chunk before the last: no token yet
        }
        json.writeStartObject();
        json.writeStringField("name", "token " + timing.step());
        json.writeStringField("ph", "i");
        json.writeStringField("s", "g");
        json.writeNumberField("ts", micros(timing.endNs()));
        json.writeObjectFieldStart("args");
        json.writeNumberField("token", timing.step());
        json.writeNumberField("committed", step.committed());
        json.writeNumberField("token_id", step.tokenId());
        json.writeStringField("text", step.tokenText());
        json.writeEndObject();
        json.writeEndObject();
    }

    /**
     * The step's slice on its process's "steps" thread: the whole step, named by its phase, with the positions of its
     * pass and the bytes it moved there.
     */
    private void writeStepSlice(Step step, int pid, long[] bytes) throws IOException {
        StepTiming timing = step.timing();
        Map<String, Object> args = new HashMap<>();
        args.put("kernel_calls", timing.kernelCalls());
        args.put("position", timing.pass().position());
        args.put("positions", timing.pass().positions());
        if (pid == HOST_PID) {
            args.put("token_id", step.tokenId());
        } else {
            args.put("hbm_bytes", bytes[0]);
            args.put("ddr_bytes", bytes[1]);
            args.put("p2p_bytes", bytes[2]);
        }
        var resource = new Resource(pid == HOST_PID ? Resource.HOST : pid - 1, STEPS_THREAD);
        var slice = new Slice(resource, timing.pass().phase().label() + " " + timing.step(), timing.startNs(),
                timing.durationNs(), args);
        checkNesting(slice);
        writeSlice(timing.step(), slice);
    }

    /** Perfetto draws a thread's slices as a stack, which only works if they are disjoint or nested. */
    private void checkNesting(Slice slice) {
        ArrayDeque<Slice> stack = open.computeIfAbsent(slice.resource(), r -> new ArrayDeque<>());
        Slice latest = stack.peekLast();
        if (latest != null && slice.startNs() < latest.startNs()) {
            throw new IllegalStateException(describe(slice.resource()) + ": slice " + describe(slice)
                    + " starts before " + describe(latest) + ", already written; slices must come in time order");
        }
        while (!stack.isEmpty() && stack.peekLast().endNs() <= slice.startNs()) {
            stack.removeLast();
        }
        if (!stack.isEmpty() && slice.endNs() > stack.peekLast().endNs()) {
            throw new IllegalStateException(describe(slice.resource()) + ": slice " + describe(slice)
                    + " partially overlaps " + describe(stack.peekLast()) + "; work on one resource must be disjoint"
                    + " or nested");
        }
        stack.addLast(slice);
    }

    private void writeSlice(int step, Slice slice) throws IOException {
        int tid = tid(slice.resource());
        // sorted: Map.copyOf iterates in an order that changes from run to run, and traces should be comparable
        var args = new TreeMap<>(slice.args());
        args.putIfAbsent("token", step);
        json.writeStartObject();
        json.writeStringField("name", slice.name());
        json.writeStringField("ph", "X");
        json.writeNumberField("pid", pid(slice.resource()));
        json.writeNumberField("tid", tid);
        json.writeNumberField("ts", micros(slice.startNs()));
        json.writeNumberField("dur", (Math.round(slice.endNs()) - Math.round(slice.startNs())) / 1000.0);
        json.writeObjectFieldStart("args");
        for (var arg : args.entrySet()) {
            json.writePOJOField(arg.getKey(), arg.getValue());
        }
        json.writeEndObject();
        json.writeEndObject();
    }

    /**
     * Adds a transfer to its socket's track. The track shows the sum of the running rates, changing only where
     * transfers start or end: back-to-back transfers then never show a dip to 0 at the same timestamp as the next
     * rate (which the viewer could order either way), and concurrent links add up.
     */
    private void addTransfer(Slice slice, String counter) throws IOException {
        BandwidthTrack track = track(pid(slice.resource()), counter);
        if (slice.startNs() < track.lastStartNs) {
            throw new IllegalStateException("socket " + slice.resource().socket() + " " + counter + ": slice "
                    + describe(slice) + " starts before a transfer already written; slices must come in time order");
        }
        track.lastStartNs = slice.startNs();
        endAverage(track, slice.startNs());
        endTransfers(track, slice.startNs());
        double rate = slice.bytes() / slice.durationNs(); // bytes per ns = GB/s
        track.running.add(new Transfer(slice.endNs(), rate));
        track.gbPerSecond += rate;
        writeCounter(track, slice.startNs());
    }

    private BandwidthTrack track(int pid, String counter) {
        return bandwidth.computeIfAbsent(pid + " " + counter, k -> new BandwidthTrack(pid, counter));
    }

    /**
     * A summarized step's point on a counter track: its average rate over the whole step, until the next step's point
     * (steps follow each other without a gap). A track with no bytes in this step and none before shows
     * nothing.
     */
    private void writeAverage(int pid, String counter, long bytes, StepTiming timing) throws IOException {
        if (bytes == 0 && !bandwidth.containsKey(pid + " " + counter)) {
            return;
        }
        BandwidthTrack track = track(pid, counter);
        endAverage(track, timing.startNs());
        endTransfers(track, timing.startNs());
        track.running.clear(); // a transfer of a full step still running here is part of this average
        track.gbPerSecond = timing.durationNs() > 0 ? bytes / timing.durationNs() : 0; // bytes per ns = GB/s
        track.lastStartNs = timing.startNs();
        track.averageUntilNs = timing.endNs();
        writeCounter(track, timing.startNs());
    }

    /**
     * Ends a summarized step's average on a track before the next point: the rate drops to 0 where that step ended,
     * unless the next point is right there (two points at one time could be drawn in either order).
     */
    private void endAverage(BandwidthTrack track, double nextNs) throws IOException {
        if (Double.isNaN(track.averageUntilNs)) {
            return;
        }
        track.gbPerSecond = 0;
        if (nextNs > track.averageUntilNs) {
            writeCounter(track, track.averageUntilNs);
        }
        track.averageUntilNs = Double.NaN;
    }

    /** Removes the transfers ending by {@code ns}, writing the new rate at each end strictly before it. */
    private void endTransfers(BandwidthTrack track, double ns) throws IOException {
        while (!track.running.isEmpty() && track.running.peek().endNs() <= ns) {
            double end = track.running.peek().endNs();
            while (!track.running.isEmpty() && track.running.peek().endNs() == end) {
                track.gbPerSecond -= track.running.poll().gbPerSecond();
            }
            if (track.running.isEmpty()) {
                track.gbPerSecond = 0; // an idle link reads exactly 0, not a rounding residue
            }
            if (end < ns) {
                writeCounter(track, end);
            }
        }
    }

    private void writeCounter(BandwidthTrack track, double ns) throws IOException {
        json.writeStartObject();
        json.writeStringField("name", track.name);
        json.writeStringField("ph", "C");
        json.writeNumberField("pid", track.pid);
        json.writeNumberField("ts", micros(ns));
        json.writeObjectFieldStart("args");
        json.writeNumberField("GB/s", track.gbPerSecond);
        json.writeEndObject();
        json.writeEndObject();
    }

    /** The thread of a resource, naming it (and its process, the first time) when first seen. */
    private int tid(Resource resource) throws IOException {
        Integer tid = tids.get(resource);
        if (tid == null) {
            int pid = pid(resource);
            if (!threadCounts.containsKey(pid)) {
                String name = resource.socket() == Resource.HOST ? "host"
                        : "socket " + resource.socket() + " (" + chipName + ")";
                writeMetadata(pid, 0, "process_name", "name", name);
                writeMetadata(pid, 0, "process_sort_index", "sort_index", pid);
            }
            tid = threadCounts.merge(pid, 1, Integer::sum);
            tids.put(resource, tid);
            writeMetadata(pid, tid, "thread_name", "name", resource.name());
            writeMetadata(pid, tid, "thread_sort_index", "sort_index", tid);
        }
        return tid;
    }

    private void writeMetadata(int pid, int tid, String name, String key, Object value) throws IOException {
        json.writeStartObject();
        json.writeStringField("name", name);
        json.writeStringField("ph", "M");
        json.writeNumberField("pid", pid);
        json.writeNumberField("tid", tid);
        json.writeObjectFieldStart("args");
        json.writePOJOField(key, value);
        json.writeEndObject();
        json.writeEndObject();
    }

    private static int pid(Resource resource) {
        return resource.socket() == Resource.HOST ? HOST_PID : socketPid(resource.socket());
    }

    private static int socketPid(int socket) {
        return socket + 1;
    }

    private static String counterName(String resourceName) {
        if (resourceName.equals("HBM") || resourceName.equals("DDR")) {
            return resourceName + " bandwidth";
        }
        return resourceName.startsWith("P2P") ? "P2P bandwidth" : null;
    }

    /**
     * Trace time (microseconds) of a modeled time, rounded to a whole nanosecond: Perfetto rounds each ts and dur to
     * whole nanoseconds on import, and slices that meet at a fraction of a nanosecond would come out overlapping if
     * it rounded their start and duration apart. Rounding the ends here keeps them nested or disjoint.
     */
    private static double micros(double ns) {
        return Math.round(ns) / 1000.0;
    }

    private static String describe(Resource resource) {
        return resource.socket() == Resource.HOST ? "host " + resource.name()
                : "socket " + resource.socket() + " " + resource.name();
    }

    private static String describe(Slice slice) {
        return "'" + slice.name() + "' [" + slice.startNs() + ", " + slice.endNs() + ") ns";
    }
}
