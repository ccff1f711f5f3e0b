package rdu.runtime;

import java.util.List;
import rdu.timing.StepTiming;

/**
 * A step as the loop ran it: what it did, the modeled time of each of its passes (none when timing is off) and the
 * host time it took.
 *
 * @param index      0-based step of the request
 * @param firstToken index of the step's first committed token among the request's generated tokens
 * @param hostNanos  wall-clock time the host spent on the step (functional work and timing model)
 */
public record StepRecord(int index, Step step, List<StepTiming> timings, int firstToken, long hostNanos) {

    public StepRecord {
        timings = List.copyOf(timings);
    }

    public double startNs() {
        return timings.isEmpty() ? 0 : timings.getFirst().startNs();
    }

    public double endNs() {
        return timings.isEmpty() ? 0 : timings.getLast().endNs();
    }

    public double durationNs() {
        return endNs() - startNs();
    }

    public long hbmBytes() {
        return timings.stream().mapToLong(StepTiming::hbmBytes).sum();
    }

    /** Time inside the Execute phase of the step's kernel calls. */
    public double executeNs() {
        return timings.stream().mapToDouble(StepTiming::executeNs).sum();
    }

    public int kernelCalls() {
        return timings.stream().mapToInt(StepTiming::kernelCalls).sum();
    }

    /** The last position the step's last pass fed: where a decode step's KV-cache traffic is counted. */
    public int lastPosition() {
        var last = step.passes().getLast();
        return last.position() + last.positions() - 1;
    }

    /** Tokens the step committed (per sample). */
    public int tokens() {
        return step.committed().length;
    }
}
