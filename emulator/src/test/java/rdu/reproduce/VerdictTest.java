package rdu.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Each kind of row's verdict on hand-made numbers. */
class VerdictTest {

    @Test
    void absoluteRowsAreJudgedOnTheRelativeError() {
        assertEquals(new Verdict("+10.0%", true), Verdict.absolute(1000, 1100));
        assertEquals(new Verdict("-15.0%", true), Verdict.absolute(1000, 850));
        assertEquals(new Verdict("-36.7%", false), Verdict.absolute(0.85, 0.538));
        assertFalse(Verdict.absolute(300, 346).met(), "15.3% off");
    }

    @Test
    void ratiosMustBeWithinAQuarterAndOnThePublishedSideOfOne() {
        assertEquals(new Verdict("x0.78", true), Verdict.ratio(2.2, 1.71));
        assertEquals(new Verdict("x0.59", false), Verdict.ratio(2, 1.18));
        assertEquals(new Verdict("x0.84", true), Verdict.ratio(1.42, 1.19));
        assertTrue(Verdict.ratio(1.6, 2.0).met(), "x1.25 is the edge");
        assertFalse(Verdict.ratio(1.2, 0.95).met(), "x0.79 and a slowdown for a published speedup");
        assertFalse(Verdict.ratio(1.1, 0.9).met(), "within 25% but a slowdown where a speedup was published");
    }

    @Test
    void rangesNeedEveryValueInside() {
        assertEquals(new Verdict("inside", true), Verdict.range(1, 13, 3.7, 7.7));
        assertEquals(new Verdict("partly outside", false), Verdict.range(0.45, 0.78, 0.23, 0.99));
        assertEquals(new Verdict("below", false), Verdict.range(1.4, 8, 1.1, 1.3));
        assertEquals(new Verdict("above", false), Verdict.range(1.4, 8, 9, 10));
        assertThrows(IllegalArgumentException.class, () -> Verdict.range(1, 2, 1.5, 1.2));
    }

    @Test
    void boundsAndTrends() {
        assertEquals(new Verdict("+14.6 points", true), Verdict.atLeast(0.85, 0.996));
        assertEquals(new Verdict("-5.0 points", false), Verdict.atLeast(0.90, 0.85));
        assertEquals(new Verdict("reproduced", true), Verdict.trend(true, ""));
        assertEquals(new Verdict("not reproduced: no dip", false), Verdict.trend(false, "no dip"));
    }

    @Test
    void batchStreamingTrendAsPublished() {
        double[][] published = {
                {1.00, 1.05, 1.12, 1.20, 1.18}, // 1B: grows to B=8, slight dip at 16
                {1.00, 1.04, 1.10, 1.16, 1.15}, // 3B
                {1.00, 1.02, 1.05, 1.08, 1.09}, // 8B: less than 1B
        };
        assertTrue(Reproduction.batchStreamingTrend(published).met());
    }

    @Test
    void batchStreamingTrendNamesEachFailedPart() {
        double[][] flat = {
                {1.000, 1.000, 1.001, 1.001, 1.002},
                {1.000, 1.000, 1.001, 1.002, 1.002},
                {1.000, 1.000, 1.001, 1.002, 1.003},
        };
        assertEquals("not reproduced: no growth to B=8, no dip at B=16 for 1B/3B, 8B does not gain less than 1B",
                Reproduction.batchStreamingTrend(flat).error());
        double[][] gainAtOne = {
                {1.05, 1.08, 1.12, 1.20, 1.18},
                {1.00, 1.04, 1.10, 1.16, 1.15},
                {1.00, 1.02, 1.05, 1.08, 1.09},
        };
        assertEquals("not reproduced: gain at B=1", Reproduction.batchStreamingTrend(gainAtOne).error());
    }

    /** speedup = (T + h) / (T + h / M): the host turn h spread over M steps of time T. */
    private static double[] offloading(double stepUs, double hostUs) {
        double[] curve = new double[40];
        for (int m = 1; m <= 40; m++) {
            curve[m - 1] = (stepUs + hostUs) / (stepUs + hostUs / m);
        }
        return curve;
    }

    @Test
    void offloadingTrendAsPublished() {
        // a shorter step (smaller draft, smaller batch) gains more
        Verdict v = Reproduction.offloadingTrend(offloading(200, 40), offloading(300, 40), offloading(250, 40),
                offloading(400, 40));
        assertEquals(new Verdict("reproduced", true), v);
        // gain(40) = 240/201 - 1; 95% of it needs 40/M <= 2.647 us, so M >= 15.1
        assertEquals(16, Reproduction.saturation(offloading(200, 40)), "95% of the M=40 gain");
    }

    @Test
    void offloadingTrendFailsOnAnEarlyPlateauAndOnTheWrongOrder() {
        double[] early = new double[40];
        Arrays.fill(early, 1.2);
        early[0] = 1;
        assertEquals(2, Reproduction.saturation(early));
        assertEquals("not reproduced: saturates at M = 2", Reproduction.offloadingTrend(early, early, early, early)
                .error().replace(", not larger for the smaller draft, not larger at the smaller batch", ""));
        assertEquals("not reproduced: not larger for the smaller draft",
                Reproduction.offloadingTrend(offloading(300, 40), offloading(400, 40), offloading(200, 40),
                        offloading(250, 40)).error());
        double[] falling = offloading(200, 40);
        falling[30] = 1.0;
        assertFalse(Reproduction.offloadingTrend(falling, offloading(300, 40), offloading(250, 40),
                offloading(400, 40)).met());
    }

    @Test
    void theAcceptanceAPublishedSpeedupNeedsInvertsE() {
        // E(9) at a = 0.88 is (1 - 0.88^10) / 0.12 = 6.0125
        assertEquals(0.88, Reproduction.rateFor((1 - Math.pow(0.88, 10)) / 0.12, 9), 1e-9);
        assertEquals(0.5, Reproduction.rateFor(1.5 + 0.25 + 0.125, 3), 1e-9);
        assertEquals(0, Reproduction.rateFor(1, 5), 1e-9, "one token a step: nothing accepted");
        assertEquals(1, Reproduction.rateFor(10, 9), 1e-9, "k + 1 tokens a step: everything accepted");
    }
}
