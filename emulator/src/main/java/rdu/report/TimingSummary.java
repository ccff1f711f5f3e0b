package rdu.report;

import java.util.Locale;
import org.HdrHistogram.Histogram;
import rdu.timing.StepTiming;

/**
 * Accumulates the modeled time of decode steps and prints the summary {@code rdu generate} ends with: tokens/s,
 * ms/token percentiles, achieved HBM bandwidth and the fraction of the Eq. 3 roofline
 * {@code tokens/s = B * HBM_bw / (weight_bytes + KV_bytes_per_sample * B)}.
 */
public final class TimingSummary {

    private final String chipName;
    private final int batch;
    private final double hbmBytesPerSecond;
    private final long weightBytesPerStep;
    /** Step durations in ns; 3 significant digits keep percentiles within 0.1%. */
    private final Histogram stepNanos = new Histogram(3);
    private int steps;
    private double totalNs;
    private long hbmBytes;
    private long kvBytes;
    private long kernelCalls;

    /**
     * @param chipName           names the chip in the summary
     * @param batch              samples decoded together: each step yields one token per sample
     * @param hbmBytesPerSecond  peak HBM bandwidth of one socket
     * @param weightBytesPerStep weight bytes one socket streams from HBM in one step (its shard's)
     */
    public TimingSummary(String chipName, int batch, double hbmBytesPerSecond, long weightBytesPerStep) {
        if (batch < 1 || !(hbmBytesPerSecond > 0) || weightBytesPerStep < 0) {
            throw new IllegalArgumentException("need batch >= 1, HBM bandwidth > 0 and weight bytes >= 0, found batch "
                    + batch + ", " + hbmBytesPerSecond + " bytes/s, " + weightBytesPerStep + " bytes");
        }
        this.chipName = chipName;
        this.batch = batch;
        this.hbmBytesPerSecond = hbmBytesPerSecond;
        this.weightBytesPerStep = weightBytesPerStep;
    }

    /**
     * @param kvBytesThisStep KV cache bytes read and written in the step, over the whole batch
     *                        (Eq. 3's {@code KV_bytes_per_sample * B})
     */
    public void add(StepTiming timing, long kvBytesThisStep) {
        if (!(timing.durationNs() >= 0)) {
            throw new IllegalArgumentException("step " + timing.step() + " ends before it starts: " + timing.startNs()
                    + " to " + timing.endNs() + " ns");
        }
        stepNanos.recordValue(Math.round(timing.durationNs()));
        steps++;
        totalNs += timing.durationNs();
        hbmBytes += timing.hbmBytes();
        kvBytes += kvBytesThisStep;
        kernelCalls += timing.kernelCalls();
    }

    public int steps() {
        return steps;
    }

    /** Tokens over all samples per second of modeled time. */
    public double tokensPerSecond() {
        return (double) steps * batch / seconds();
    }

    public double p50Ms() {
        return percentileMs(50);
    }

    public double p90Ms() {
        return percentileMs(90);
    }

    public double p99Ms() {
        return percentileMs(99);
    }

    /** HBM bytes read and written per second of modeled time. */
    public double achievedHbmBytesPerSecond() {
        return hbmBytes / seconds();
    }

    /**
     * Eq. 3 with the mean KV bytes of the steps: summing each step's roofline time (weights + its KV bytes at peak
     * bandwidth) gives exactly this, so a KV cache growing with the position is accounted for.
     */
    public double rooflineTokensPerSecond() {
        requireSteps();
        return batch * hbmBytesPerSecond / (weightBytesPerStep + (double) kvBytes / steps);
    }

    /** Achieved HBM bandwidth as a fraction of the chip's. */
    public double hbmUtilisation() {
        return achievedHbmBytesPerSecond() / hbmBytesPerSecond;
    }

    public double rooflineFraction() {
        return tokensPerSecond() / rooflineTokensPerSecond();
    }

    public double kernelCallsPerToken() {
        requireSteps();
        return (double) kernelCalls / steps;
    }

    /** The summary lines, each ending in a newline; the host rate is wall time on this machine, for comparison. */
    public String format(double hostTokensPerSecond) {
        return format("host (this machine, not modeled)", hostTokensPerSecond);
    }

    /** As {@link #format(double)}, with the host line labelled {@code hostLabel}. */
    public String format(String hostLabel, double hostTokensPerSecond) {
        String host = String.format(Locale.ROOT, "%s: %.1f tokens/s%n", hostLabel, hostTokensPerSecond);
        if (steps == 0) {
            return String.format(Locale.ROOT, "modeled %s: no decode steps%n", chipName) + host;
        }
        double calls = kernelCallsPerToken();
        String callsText = calls == Math.rint(calls) ? String.valueOf((long) calls)
                : String.format(Locale.ROOT, "%.2f", calls);
        return String.format(Locale.ROOT, "modeled %s: %.1f tokens/s; ms/token p50 %.3f p90 %.3f p99 %.3f%n",
                chipName, tokensPerSecond(), p50Ms(), p90Ms(), p99Ms())
                + String.format(Locale.ROOT, "HBM: %s achieved = %.1f%% of %s; Eq. 3 roofline %.1f tokens/s"
                        + " -> %.1f%% of roofline%n", bandwidth(achievedHbmBytesPerSecond()),
                        100 * hbmUtilisation(), bandwidth(hbmBytesPerSecond),
                        rooflineTokensPerSecond(), 100 * rooflineFraction())
                + String.format(Locale.ROOT, "kernel calls per token: %s%n", callsText)
                + host;
    }

    private double percentileMs(double percentile) {
        requireSteps();
        return stepNanos.getValueAtPercentile(percentile) / 1e6;
    }

    private double seconds() {
        requireSteps();
        return totalNs / 1e9;
    }

    private void requireSteps() {
        if (steps == 0) {
            throw new IllegalStateException("no decode steps added");
        }
    }

    /** Small models move far less than a TB/s, so the unit follows the magnitude. */
    private static String bandwidth(double bytesPerSecond) {
        if (bytesPerSecond >= 1e12) {
            return String.format(Locale.ROOT, "%.2f TB/s", bytesPerSecond / 1e12);
        }
        if (bytesPerSecond >= 1e9) {
            return String.format(Locale.ROOT, "%.2f GB/s", bytesPerSecond / 1e9);
        }
        return String.format(Locale.ROOT, "%.2f MB/s", bytesPerSecond / 1e6);
    }
}
