package rdu.timing;

import java.util.List;

/**
 * The modeled time of one decode step (one token per sample).
 *
 * @param step        0-based decode step (position) index
 * @param startNs     when the step began, in modeled time since generation start
 * @param endNs       when its token was available
 * @param hbmBytes    bytes read and written in HBM during the step
 * @param ddrBytes    bytes read and written in DDR
 * @param kernelCalls kernel launches in the step
 * @param slices      every resource interval of the step, for traces
 */
public record StepTiming(int step, double startNs, double endNs, long hbmBytes, long ddrBytes, int kernelCalls,
                         List<Slice> slices) {

    public StepTiming {
        slices = List.copyOf(slices);
    }

    public double durationNs() {
        return endNs - startNs;
    }
}
