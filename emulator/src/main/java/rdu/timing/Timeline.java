package rdu.timing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The busy timeline of one resource. A serial resource (a PCU group's pipeline, a link) takes its work in the order
 * it is booked: a task starts at the later of when it may start and when the resource frees up. A memory serves
 * many streams at once (one per AGCU request queue), so a memory timeline also backfills: a transfer that may start
 * early uses the idle gaps left before later bookings, split across them if it must, and only the rest goes to the
 * end. Bookings made earlier keep their time, so booking order is priority order.
 */
final class Timeline {

    /** Gaps shorter than this (ns) are dropped: they only fragment the timeline. */
    private static final double MIN_GAP_NS = 1e-3;

    private final Resource resource;
    private final boolean backfills;
    /** Idle intervals before {@link #freeAtNs}, as {start, end} in time order (memory timelines only). */
    private final List<double[]> gaps = new ArrayList<>();
    private double freeAtNs;

    Timeline(Resource resource) {
        this(resource, false);
    }

    Timeline(Resource resource, boolean backfills) {
        this.resource = resource;
        this.backfills = backfills;
    }

    /** Idle from time 0 on, for a new run. */
    void reset() {
        freeAtNs = 0;
        gaps.clear();
    }

    /** What the timeline has booked, to try a schedule and take it back (see {@link #restore}). */
    record State(double freeAtNs, List<double[]> gaps) {
    }

    State state() {
        return new State(freeAtNs, gaps.stream().map(double[]::clone).toList());
    }

    /** Back to {@code state}: as if nothing had been booked since it was taken. */
    void restore(State state) {
        freeAtNs = state.freeAtNs();
        gaps.clear();
        state.gaps().forEach(gap -> gaps.add(gap.clone()));
    }

    /** Forgets the idle gaps that end before {@code ns}: no later request may start before it. */
    void forgetBefore(double ns) {
        gaps.subList(0, firstGapEndingAfter(ns)).clear(); // gaps are in time order: the forgotten ones lead
    }

    /**
     * Runs a task of {@code durationNs} no earlier than {@code earliestNs} and returns when it ends; records it as
     * slices into {@code trace} unless that is null (an untraced run records no slices).
     */
    double use(double earliestNs, double durationNs, String name, Map<String, Object> args, List<Slice> trace) {
        int firstPiece = trace == null ? 0 : trace.size();
        double remaining = durationNs;
        double end = earliestNs;
        for (int i = firstGapEndingAfter(earliestNs); backfills && remaining > 0 && i < gaps.size(); ) {
            double[] gap = gaps.get(i);
            double start = Math.max(gap[0], earliestNs);
            double take = Math.min(gap[1] - start, remaining);
            record(trace, name, start, take, args);
            remaining -= take;
            end = start + take;
            i = fill(i, start, end);
        }
        if (remaining > 0 || durationNs == 0) {
            double start = Math.max(earliestNs, freeAtNs);
            if (backfills && start - freeAtNs >= MIN_GAP_NS) {
                gaps.add(new double[] {freeAtNs, start});
            }
            freeAtNs = start + remaining;
            record(trace, name, start, remaining, args);
            end = freeAtNs;
        }
        if (trace != null && trace.size() - firstPiece > 1) {
            shareBytes(trace.subList(firstPiece, trace.size()), durationNs);
        }
        return end;
    }

    /**
     * Gives each piece of a split transfer its share of the bytes, in proportion to its time: a trace's bandwidth
     * counter reads bytes / duration per slice, and would multiply the rate if every piece carried them all.
     */
    private static void shareBytes(List<Slice> pieces, double durationNs) {
        if (!(pieces.getFirst().args().get("bytes") instanceof Number bytes)) {
            return;
        }
        long total = bytes.longValue();
        long given = 0;
        double elapsed = 0;
        for (int i = 0; i < pieces.size(); i++) {
            Slice piece = pieces.get(i);
            elapsed += piece.durationNs();
            long upTo = i == pieces.size() - 1 ? total : Math.round(total * elapsed / durationNs);
            var args = new LinkedHashMap<>(piece.args()); // keeps the keys in the order the trace writes them
            args.put("bytes", upTo - given);
            given = upTo;
            pieces.set(i, new Slice(piece.resource(), piece.name(), piece.startNs(), piece.durationNs(), args));
        }
    }

    /** Marks [start, end) of gap i busy; returns the index of the next gap to look at. */
    private int fill(int i, double start, double end) {
        double[] gap = gaps.get(i);
        boolean before = start - gap[0] >= MIN_GAP_NS;
        boolean after = gap[1] - end >= MIN_GAP_NS;
        if (before && after) {
            gaps.add(i + 1, new double[] {end, gap[1]});
            gap[1] = start;
            return i + 1;
        }
        if (before) {
            gap[1] = start;
            return i + 1;
        }
        if (after) {
            gap[0] = end;
            return i;
        }
        gaps.remove(i);
        return i;
    }

    /** Gaps are disjoint and in order, so their ends are sorted: binary search. */
    private int firstGapEndingAfter(double ns) {
        int lo = 0;
        int hi = gaps.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (gaps.get(mid)[1] <= ns) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private void record(List<Slice> trace, String name, double start, double duration, Map<String, Object> args) {
        if (trace != null && duration > 0) {
            trace.add(new Slice(resource, name, start, duration, args));
        }
    }
}
