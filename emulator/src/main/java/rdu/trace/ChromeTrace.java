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
import rdu.timing.Resource;
import rdu.timing.Slice;
import rdu.timing.StepTiming;

/**
 * Writes modeled time as a Chrome Trace Event file (JSON object format) that ui.perfetto.dev and chrome://tracing
 * open: one process per socket plus one for the host, one thread per resource, HBM/DDR/P2P bandwidth counters per
 * socket and an instant event per token. Events stream to disk, so a long run never holds the trace in memory.
 */
public final class ChromeTrace implements AutoCloseable {

    private static final int HOST_PID = 0;
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

        BandwidthTrack(int pid, String name) {
            this.pid = pid;
            this.name = name;
        }
    }

    /**
     * @param chipName names the socket processes, e.g. "socket 0 (SN40L)"
     */
    public ChromeTrace(Path file, String chipName) {
        this.file = file;
        this.chipName = chipName;
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
     * Appends one decode step: its slices, the bandwidth they imply and the token it produced.
     *
     * @throws IllegalStateException if a slice partially overlaps an earlier one on its resource, or starts before
     *                               one already written there (upstream timing bugs Perfetto would mis-draw)
     */
    public void step(StepTiming timing, int tokenId, String tokenText) {
        List<Slice> slices = new ArrayList<>(timing.slices());
        slices.sort(TIME_ORDER);
        try {
            for (Slice slice : slices) {
                checkNesting(slice);
                writeSlice(timing.step(), slice);
                String counter = counterName(slice.resource().name());
                if (counter != null && slice.durationNs() > 0) { // a zero-length transfer has no rate to show
                    addTransfer(slice, counter);
                }
            }
            json.writeStartObject();
            json.writeStringField("name", "token " + timing.step());
            json.writeStringField("ph", "i");
            json.writeStringField("s", "g");
            json.writeNumberField("ts", micros(timing.endNs()));
            json.writeObjectFieldStart("args");
            json.writeNumberField("token", timing.step());
            json.writeNumberField("token_id", tokenId);
            json.writeStringField("text", tokenText);
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing trace " + file, e);
        }
    }

    /** Ends the transfers still running and finishes the file. */
    @Override
    public void close() {
        try (json) {
            for (BandwidthTrack track : bandwidth.values()) {
                endTransfers(track, Double.POSITIVE_INFINITY);
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing trace " + file, e);
        }
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
        json.writeNumberField("dur", micros(slice.durationNs()));
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
        int pid = pid(slice.resource());
        BandwidthTrack track = bandwidth.computeIfAbsent(pid + " " + counter, k -> new BandwidthTrack(pid, counter));
        if (slice.startNs() < track.lastStartNs) {
            throw new IllegalStateException("socket " + slice.resource().socket() + " " + counter + ": slice "
                    + describe(slice) + " starts before a transfer already written; slices must come in time order");
        }
        track.lastStartNs = slice.startNs();
        endTransfers(track, slice.startNs());
        double rate = slice.bytes() / slice.durationNs(); // bytes per ns = GB/s
        track.running.add(new Transfer(slice.endNs(), rate));
        track.gbPerSecond += rate;
        writeCounter(track, slice.startNs());
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
        return resource.socket() == Resource.HOST ? HOST_PID : resource.socket() + 1;
    }

    private static String counterName(String resourceName) {
        if (resourceName.equals("HBM") || resourceName.equals("DDR")) {
            return resourceName + " bandwidth";
        }
        return resourceName.startsWith("P2P") ? "P2P bandwidth" : null;
    }

    private static double micros(double ns) {
        return ns / 1000;
    }

    private static String describe(Resource resource) {
        return resource.socket() == Resource.HOST ? "host " + resource.name()
                : "socket " + resource.socket() + " " + resource.name();
    }

    private static String describe(Slice slice) {
        return "'" + slice.name() + "' [" + slice.startNs() + ", " + slice.endNs() + ") ns";
    }
}
