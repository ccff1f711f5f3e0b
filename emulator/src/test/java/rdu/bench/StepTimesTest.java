package rdu.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import rdu.chip.ChipFile;
import rdu.generate.Generator;
import rdu.regression.SharedModels;

/** The spread of step times: percentiles, and the stalled steps' share of the time, on known step times. */
class StepTimesTest {

    private static final long MS = 1_000_000;

    private static Histogram steps(long... millis) {
        var h = new Histogram(3);
        for (long m : millis) {
            h.recordValue(m * MS);
        }
        return h;
    }

    @Test
    void stalledStepsAreThoseOverTwiceTheMedianAndTheirShareIsTheTimeBeyondIt() {
        // eight steady steps of 5 ms, one of exactly twice that (not stalled), one of 50 ms: 100 ms in all, of which
        // the stalled step took 45 ms beyond the median
        StepTimes t = StepTimes.of(steps(5, 5, 5, 5, 5, 5, 5, 5, 10, 50));
        assertEquals(10, t.steps());
        assertEquals(5.0, t.p50Nanos() / (double) MS, 0.01);
        assertEquals(10.0, t.p90Nanos() / (double) MS, 0.01);
        assertEquals(50.0, t.maxNanos() / (double) MS, 0.05);
        assertEquals(1, t.stalledSteps());
        assertEquals(0.45, t.stalledShare(), 0.001);
    }

    @Test
    void steadyStepsHaveNoStalls() {
        StepTimes t = StepTimes.of(steps(6, 6, 7, 6, 6));
        assertEquals(0, t.stalledSteps());
        assertEquals(0.0, t.stalledShare());
    }

    @Test
    void noStepsIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> StepTimes.of(new Histogram(3)));
        assertEquals("step times: no steps recorded", e.getMessage());
    }

    @Test
    void benchDecodeRecordsEveryMeasuredStepAndNoWarmUpStep() {
        Path stories = SharedModels.root().resolve(SharedModels.STORIES);
        DecodeBench b = DecodeBench.run(stories, ChipFile.load(ChipFile.DEFAULT), Generator.Timing.OFF, 9, 2, 3);
        // a run of 9 tokens is 9 steps (BOS's pass gives the first): 3 measured runs, the 2 warm-ups not counted
        assertEquals(3 * 9, b.stepTimes().steps());
    }
}
