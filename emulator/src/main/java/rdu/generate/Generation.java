package rdu.generate;

/**
 * What one generation produced.
 *
 * @param steps     decode steps run (one token each: prompt positions and generated ones)
 * @param hostNanos wall-clock time the host spent in those decode steps
 * @param timingNanos the part of hostNanos spent in the timing model
 */
public record Generation(int[] promptIds, int[] generatedIds, byte[] text, StopReason stopReason, int steps,
                         long hostNanos, long timingNanos) {

    /** Host time of the timing model relative to the functional work it times. */
    public double timingOverhead() {
        long functional = hostNanos - timingNanos;
        return functional == 0 ? 0 : (double) timingNanos / functional;
    }

    /** Host decode speed: tokens through the model per second of host time. */
    public double hostTokensPerSecond() {
        return hostNanos == 0 ? 0 : steps * 1e9 / hostNanos;
    }
}
