package rdu.timing;

import java.util.Map;

/**
 * One interval of modeled time during which a resource did one piece of work.
 *
 * @param args what the work was: token index, layer, kernel, bytes moved (for memories and links), ...
 */
public record Slice(Resource resource, String name, double startNs, double durationNs, Map<String, Object> args) {

    public Slice {
        args = Map.copyOf(args);
    }

    public double endNs() {
        return startNs + durationNs;
    }

    /** Bytes moved, for memory and link slices; 0 otherwise. */
    public long bytes() {
        return args.get("bytes") instanceof Number n ? n.longValue() : 0;
    }
}
