package rdu.report;

import java.util.Locale;
import org.HdrHistogram.Histogram;
import rdu.runtime.StepRecord;
import rdu.speculative.SpeculationStats;

/**
 * Accumulates the modeled time of a request's steps and prints the summary {@code rdu generate} and {@code rdu
 * simulate} end with: time to first token (the prefill step, when the request has a prompt to run), decode tokens/s,
 * end-to-end time, ms/token percentiles, achieved HBM bandwidth, the fraction of the Eq. 3 roofline
 * {@code tokens/s = B * HBM_bw / (weight_bytes + KV_bytes_per_sample * B)} (plain decoding's: speculation can beat
 * it), and the speculation's acceptance.
 */
public final class TimingSummary {

    private final String chipName;
    private final int batch;
    private final double hbmBytesPerSecond;
    private final long weightBytesPerStep;
    /** Decode steps' ns per committed token; 3 significant digits keep percentiles within 0.1%. */
    private final Histogram stepNanos = new Histogram(3);
    private final SpeculationStats speculation;
    private boolean started;
    private double firstTokenNs;
    private double endNs;
    private int prefillPositions;
    private double prefillNs;
    private int steps;
    private long tokens;
    private double totalNs;
    private long hbmBytes;
    private long kvBytes;
    private long kernelCalls;
    private double executeNs;

    /**
     * @param chipName           names the chip in the summary
     * @param batch              samples decoded together: each step yields one token per sample
     * @param hbmBytesPerSecond  peak HBM bandwidth of one socket
     * @param weightBytesPerStep weight bytes one socket streams from HBM in one step (its shard's)
     * @param k                  the longest draft of a speculative run; 0 without speculation
     */
    public TimingSummary(String chipName, int batch, double hbmBytesPerSecond, long weightBytesPerStep, int k) {
        if (batch < 1 || !(hbmBytesPerSecond > 0) || weightBytesPerStep < 0) {
            throw new IllegalArgumentException("need batch >= 1, HBM bandwidth > 0 and weight bytes >= 0, found batch "
                    + batch + ", " + hbmBytesPerSecond + " bytes/s, " + weightBytesPerStep + " bytes");
        }
        this.chipName = chipName;
        this.batch = batch;
        this.hbmBytesPerSecond = hbmBytesPerSecond;
        this.weightBytesPerStep = weightBytesPerStep;
        this.speculation = k == 0 ? null : new SpeculationStats(k);
    }

    /**
     * Adds a step in the order of the request. A first step that ran the prompt is the prefill: it sets the time to
     * first token and stays out of the decode figures.
     *
     * @param kvBytesThisStep KV cache bytes read and written in the step, over the whole batch
     *                        (Eq. 3's {@code KV_bytes_per_sample * B})
     */
    public void add(StepRecord step, long kvBytesThisStep) {
        if (!(step.durationNs() >= 0)) {
            throw new IllegalArgumentException("step " + step.index() + " ends before it starts: " + step.startNs()
                    + " to " + step.endNs() + " ns");
        }
        endNs = step.endNs();
        if (!started) {
            started = true;
            firstTokenNs = step.endNs();
            if (step.step().prefill()) {
                prefillPositions = step.step().passes().stream().mapToInt(p -> p.positions()).sum();
                prefillNs = step.durationNs();
                return;
            }
        }
        stepNanos.recordValue(Math.round(step.durationNs() / step.tokens()));
        steps++;
        tokens += step.tokens();
        totalNs += step.durationNs();
        hbmBytes += step.hbmBytes();
        kvBytes += kvBytesThisStep;
        kernelCalls += step.kernelCalls();
        executeNs += step.executeNs();
        if (speculation != null) {
            speculation.record(step.step().drafted(), step.step().accepted(), step.tokens());
        }
    }

    public int steps() {
        return steps;
    }

    /** Decode tokens over all samples per second of modeled decode time. */
    public double tokensPerSecond() {
        return (double) tokens * batch / seconds();
    }

    /** Modeled time from the request's start to its first token: the prefill, or the first decode step. */
    public double timeToFirstTokenMs() {
        return firstTokenNs / 1e6;
    }

    /** Modeled time of the whole request. */
    public double endToEndMs() {
        return endNs / 1e6;
    }

    /** Prompt positions prefilled per second of modeled time; 0 when the request had no prefill. */
    public double prefillTokensPerSecond() {
        return prefillNs == 0 ? 0 : prefillPositions * batch / (prefillNs / 1e9);
    }

    /** The acceptance of a speculative run's decode steps, or null without speculation. */
    public SpeculationStats speculation() {
        return speculation;
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

    /**
     * HBM bandwidth achieved while kernels execute, as a fraction of the chip's: the steps' bytes over their time in
     * Execute phases, without the launches, loads, barriers and control hand-offs between them.
     */
    public double kernelHbmUtilisation() {
        return hbmBytes / (executeNs / 1e9) / hbmBytesPerSecond;
    }

    public double rooflineFraction() {
        return tokensPerSecond() / rooflineTokensPerSecond();
    }

    public double kernelCallsPerToken() {
        requireSteps();
        return (double) kernelCalls / tokens;
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
                + String.format(Locale.ROOT, "time to first token %.3f ms%s; end to end %.3f ms%n",
                        timeToFirstTokenMs(), prefillPositions == 0 ? "" : String.format(Locale.ROOT,
                                " (prefill of %d positions, %.1f positions/s)", prefillPositions,
                                prefillTokensPerSecond()), endToEndMs())
                + speculationLine()
                + String.format(Locale.ROOT, "HBM: %s achieved = %.1f%% of %s (%.1f%% while kernels execute);"
                        + " Eq. 3 roofline %.1f tokens/s -> %.1f%% of roofline%n",
                        bandwidth(achievedHbmBytesPerSecond()),
                        100 * hbmUtilisation(), bandwidth(hbmBytesPerSecond), 100 * kernelHbmUtilisation(),
                        rooflineTokensPerSecond(), 100 * rooflineFraction())
                + String.format(Locale.ROOT, "kernel calls per token: %s%n", callsText)
                + host;
    }

    private String speculationLine() {
        if (speculation == null) {
            return "";
        }
        var perPosition = new StringBuilder();
        // each position's acceptance given the ones before it were accepted, as acceptance profiles give it
        for (int i = 0; i < speculation.k() && speculation.reachedAt(i) > 0; i++) {
            perPosition.append(String.format(Locale.ROOT, " %.2f", (double) speculation.acceptedAt(i)
                    / speculation.reachedAt(i)));
        }
        return String.format(Locale.ROOT, "speculation: %.2f tokens per step; %d of %d draft tokens accepted (%.1f%%);"
                        + " acceptance by draft position:%s%n", speculation.committedPerStep(), speculation.accepted(),
                speculation.proposed(), 100 * speculation.acceptanceRate(), perPosition);
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
