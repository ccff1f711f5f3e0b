package rdu.generate;

import rdu.runtime.StopReason;
import rdu.speculative.SpeculationStats;

/**
 * What one generation produced.
 *
 * @param steps       steps run: the prefill, then one per decode or speculative step
 * @param hostNanos   wall-clock time the host spent in those steps
 * @param timingNanos the part of hostNanos spent in the timing model
 * @param speculation the acceptance figures of a speculative run; null for plain decoding
 * @param reusedPositions prompt positions already in the KV cache (a conversation's earlier turns), not prefilled
 */
public record Generation(int[] promptIds, int[] generatedIds, byte[] text, StopReason stopReason, int steps,
                         long hostNanos, long timingNanos, SpeculationStats speculation, int reusedPositions) {

    /** Prompt positions the request prefilled. */
    public int prefilledPositions() {
        return promptIds.length - reusedPositions;
    }

    /** Host time of the timing model relative to the functional work it times. */
    public double timingOverhead() {
        long functional = hostNanos - timingNanos;
        return functional == 0 ? 0 : (double) timingNanos / functional;
    }

    /** Host speed: generated tokens per second of host time (the prefill included). */
    public double hostTokensPerSecond() {
        return hostNanos == 0 ? 0 : generatedIds.length * 1e9 / hostNanos;
    }
}
