package rdu.timing;

import java.util.List;
import java.util.Map;

/**
 * The busy timeline of one resource: work on it is serialized, so a task starts at the later of when it may
 * start and when the resource frees up.
 */
final class Timeline {

    private final Resource resource;
    private double freeAtNs;

    Timeline(Resource resource) {
        this.resource = resource;
    }

    double freeAtNs() {
        return freeAtNs;
    }

    /** Idle from time 0 on, for a new run. */
    void reset() {
        freeAtNs = 0;
    }

    /**
     * Runs a task of {@code durationNs} no earlier than {@code earliestNs} and returns when it ends; records it as a
     * slice into {@code trace} unless that is null (an untraced run allocates nothing).
     */
    double use(double earliestNs, double durationNs, String name, Map<String, Object> args, List<Slice> trace) {
        double start = Math.max(earliestNs, freeAtNs);
        freeAtNs = start + durationNs;
        if (trace != null && durationNs > 0) {
            trace.add(new Slice(resource, name, start, durationNs, args));
        }
        return freeAtNs;
    }
}
