package rdu.timing;

import java.util.ArrayList;
import java.util.List;

/**
 * The modeled time of one step: one pass of the model over one or more positions per sample.
 *
 * @param step        0-based step index
 * @param pass        the pass timed: its phase, first position and positions
 * @param startNs     when the step began, in modeled time since generation start
 * @param endNs       when its output (the pass's logits) was available
 * @param hbmBytes    bytes read and written in HBM during the step
 * @param ddrBytes    bytes read and written in DDR
 * @param kernelCalls kernel launches in the step
 * @param executeNs   time inside the Execute phase of the step's kernel calls: the step without its launches,
 *                    loads, barriers and control hand-offs
 * @param slices      every resource interval of the step, for traces
 */
public record StepTiming(int step, Pass pass, double startNs, double endNs, long hbmBytes, long ddrBytes,
                         int kernelCalls, double executeNs, List<Slice> slices) {

    public StepTiming {
        slices = List.copyOf(slices);
    }

    public double durationNs() {
        return endNs - startNs;
    }

    /**
     * The same step with socket 0's slices repeated for sockets 1..n-1: tensor-parallel sockets do identical work at
     * the same times, and the engine times socket 0 only. Host slices stay single.
     */
    public StepTiming onSockets(int sockets) {
        if (sockets == 1) {
            return this;
        }
        List<Slice> all = new ArrayList<>(slices);
        for (int socket = 1; socket < sockets; socket++) {
            for (Slice slice : slices) {
                if (slice.resource().socket() == 0) {
                    all.add(new Slice(new Resource(socket, slice.resource().name()), slice.name(), slice.startNs(),
                            slice.durationNs(), slice.args()));
                }
            }
        }
        return new StepTiming(step, pass, startNs, endNs, hbmBytes, ddrBytes, kernelCalls, executeNs, all);
    }
}
