package rdu.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import rdu.runtime.Step;
import rdu.runtime.StepRecord;
import rdu.timing.Pass;
import rdu.timing.StepTiming;

class TimingSummaryTest {

    private static final double SN40L_HBM = 1.6e12;

    private static StepRecord step(int index, double durationNs, long hbmBytes, int kernelCalls) {
        double start = index * 2_000_000.0; // gaps between steps are not decode time
        return record(index, new Pass(Pass.Phase.DECODE, 100 + index, 1), start, durationNs, hbmBytes, kernelCalls,
                new int[] {-1}, 0, 0);
    }

    private static StepRecord record(int index, Pass pass, double start, double durationNs, long hbmBytes,
                                     int kernelCalls, int[] committed, int drafted, int accepted) {
        // kernels execute for 80% of every step; launches, loads and barriers take the rest
        var timing = new StepTiming(index, pass, start, start + durationNs, hbmBytes, 0, kernelCalls,
                0.8 * durationNs, List.of());
        return new StepRecord(index, new Step(List.of(pass), committed, null, drafted, accepted), List.of(timing), 0, 0);
    }

    /**
     * Ten 1 ms steps streaming 1 GB of weights plus KV bytes alternating 0.1 GB and 0.3 GB (mean 0.2 GB):
     * 1000 tokens/s, 1.2 TB/s = 75% of 1.6 TB/s, roofline 1.6e12 / 1.2e9 = 1333.3 tokens/s.
     */
    private static TimingSummary tenMillisecondSteps() {
        var summary = new TimingSummary("SN40L", 1, SN40L_HBM, 1_000_000_000L, 0);
        for (int i = 0; i < 10; i++) {
            long kv = i % 2 == 0 ? 100_000_000L : 300_000_000L;
            summary.add(step(i, 1_000_000, 1_000_000_000L + kv, 4), kv);
        }
        return summary;
    }

    @Test
    void tokensPerSecondBandwidthAndRooflineFollowFromTheSteps() {
        TimingSummary summary = tenMillisecondSteps();
        assertEquals(10, summary.steps());
        assertEquals(1000, summary.tokensPerSecond(), 1e-9);
        assertEquals(1.2e12, summary.achievedHbmBytesPerSecond(), 1e-3);
        assertEquals(1.6e12 / 1.2e9, summary.rooflineTokensPerSecond(), 1e-9);
        assertEquals(0.75, summary.rooflineFraction(), 1e-12);
        assertEquals(0.75 / 0.8, summary.kernelHbmUtilisation(), 1e-12, "the same bytes in 80% of the time");
        assertEquals(4, summary.kernelCallsPerToken());
        assertEquals(1.0, summary.p50Ms(), 1e-3, "3 significant digits");
    }

    @Test
    void formatPrintsTheSummaryLines() {
        String expected = String.format("modeled SN40L: 1000.0 tokens/s; ms/token p50 1.000 p90 1.000 p99 1.000%n"
                + "time to first token 1.000 ms; end to end 19.000 ms%n"
                + "HBM: 1.20 TB/s achieved = 75.0%% of 1.60 TB/s (93.8%% while kernels execute); Eq. 3 roofline"
                + " 1333.3 tokens/s -> 75.0%% of roofline%n"
                + "kernel calls per token: 4%n"
                + "host (this machine, not modeled): 2345.6 tokens/s%n");
        assertEquals(expected, tenMillisecondSteps().format(2345.56));
    }

    @Test
    void batchMultipliesTokensAndTheRooflineCountsKvForEverySample() {
        // B = 4, 2 ms per step, 1 GB of weights and 0.1 GB of KV per sample: Eq. 3 gives 4 * 1.6e12 / 1.4e9
        var summary = new TimingSummary("SN40L", 4, SN40L_HBM, 1_000_000_000L, 0);
        for (int i = 0; i < 5; i++) {
            summary.add(step(i, 2_000_000, 1_400_000_000L, 4), 400_000_000L);
        }
        assertEquals(2000, summary.tokensPerSecond(), 1e-9);
        assertEquals(4 * 1.6e12 / 1.4e9, summary.rooflineTokensPerSecond(), 1e-9);
        assertEquals(2000 / (4 * 1.6e12 / 1.4e9), summary.rooflineFraction(), 1e-12);
    }

    @Test
    void percentilesComeFromTheDistributionOfStepTimes() {
        // 1, 2, ..., 100 ms in shuffled order: p50 is the 50th value, p90 the 90th, p99 the 99th
        var summary = new TimingSummary("SN40L", 1, SN40L_HBM, 0, 0);
        for (int i = 0; i < 100; i++) {
            int ms = (i * 37) % 100 + 1;
            summary.add(step(i, ms * 1e6, 0, 4), 0);
        }
        assertEquals(50, summary.p50Ms(), 50e-3);
        assertEquals(90, summary.p90Ms(), 90e-3);
        assertEquals(99, summary.p99Ms(), 99e-3);
        assertEquals(100 / 5.05, summary.tokensPerSecond(), 1e-9, "100 tokens in 5,050 ms");
    }

    @Test
    void smallModelsShowBandwidthInGbAndFractionalKernelCalls() {
        // 1 MB in 8 us = 125 GB/s = 7.8125% of 1.6 TB/s; the roofline is 1.6e12 / 1e6 tokens/s
        var summary = new TimingSummary("SN40L", 1, SN40L_HBM, 1_000_000L, 0);
        summary.add(step(0, 8_000, 1_000_000L, 3), 0);
        summary.add(step(1, 8_000, 1_000_000L, 4), 0);
        List<String> lines = summary.format(10).lines().toList();
        assertEquals("HBM: 125.00 GB/s achieved = 7.8% of 1.60 TB/s (9.8% while kernels execute); Eq. 3 roofline"
                + " 1600000.0 tokens/s -> 7.8% of roofline", lines.get(2));
        assertEquals("kernel calls per token: 3.50", lines.get(3));
    }

    @Test
    void withoutStepsTheSummarySaysSoAndAccessorsRefuse() {
        var summary = new TimingSummary("SN40L", 1, SN40L_HBM, 0, 0);
        assertEquals(String.format("modeled SN40L: no decode steps%nhost (this machine, not modeled): 0.0 tokens/s%n"),
                summary.format(0));
        assertThrows(IllegalStateException.class, summary::tokensPerSecond);
        assertThrows(IllegalStateException.class, summary::p50Ms);
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new TimingSummary("SN40L", 0, SN40L_HBM, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new TimingSummary("SN40L", 1, 0, 0, 0));
        var summary = new TimingSummary("SN40L", 1, SN40L_HBM, 0, 0);
        var backwards = record(3, new Pass(Pass.Phase.DECODE, 3, 1), 10, -5, 0, 1, new int[] {-1}, 0, 0);
        var e = assertThrows(IllegalArgumentException.class, () -> summary.add(backwards, 0));
        assertEquals("step 3 ends before it starts: 10.0 to 5.0 ns", e.getMessage());
    }

    @Test
    void aPrefillStepSetsTheTimeToFirstTokenAndStaysOutOfTheDecodeFigures() {
        var summary = new TimingSummary("SN40L", 1, SN40L_HBM, 0, 0);
        // a 5 ms prefill of 100 positions, then three 1 ms decode steps back to back
        summary.add(record(0, new Pass(Pass.Phase.PREFILL, 0, 100), 0, 5e6, 0, 4, new int[] {-1}, 0, 0), 0);
        for (int i = 1; i <= 3; i++) {
            summary.add(record(i, new Pass(Pass.Phase.DECODE, 99 + i, 1), 4e6 + i * 1e6, 1e6, 0, 4, new int[] {-1},
                    0, 0), 0);
        }
        assertEquals(5, summary.timeToFirstTokenMs(), 1e-12);
        assertEquals(8, summary.endToEndMs(), 1e-12);
        assertEquals(100 / 5e-3, summary.prefillTokensPerSecond(), 1e-6);
        assertEquals(1000, summary.tokensPerSecond(), 1e-9, "3 decode tokens in 3 ms; the prefill is not decode");
        assertEquals(1, summary.p99Ms(), 1e-3);
        assertEquals("time to first token 5.000 ms (prefill of 100 positions, 20000.0 positions/s); end to end"
                + " 8.000 ms", summary.format(0).lines().toList().get(1));
    }

    @Test
    void speculativeStepsCountEveryTokenTheyCommitAndTheAcceptanceByDraftPosition() {
        var summary = new TimingSummary("SN40L", 1, SN40L_HBM, 0, 4);
        // 2 ms steps drafting 4 tokens: one accepts 2 (commits 3), one accepts all 4 (commits 5)
        summary.add(record(0, new Pass(Pass.Phase.VERIFY, 10, 5), 0, 2e6, 0, 8, new int[] {-1, -1, -1}, 4, 2), 0);
        summary.add(record(1, new Pass(Pass.Phase.VERIFY, 13, 5), 2e6, 2e6, 0, 8, new int[] {-1, -1, -1, -1, -1}, 4,
                4), 0);
        assertEquals(8 / 4e-3, summary.tokensPerSecond(), 1e-6, "8 tokens in 4 ms");
        assertEquals(2, summary.kernelCallsPerToken(), 1e-12, "16 calls for 8 tokens");
        assertEquals(4.0, summary.speculation().committedPerStep(), 1e-12);
        assertEquals("speculation: 4.00 tokens per step; 6 of 8 draft tokens accepted (75.0%); acceptance by draft"
                + " position: 1.00 1.00 0.50 1.00", summary.format(0).lines().toList().get(2));
    }
}
