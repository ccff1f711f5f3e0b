package rdu.rope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import rdu.tensor.TestTensors;

class RopeTest {

    @Test
    void interleavedMatchesDoubleReference() {
        int headDim = 16;
        int heads = 3;
        Rope rope = new Rope(headDim, 10000, null, RopeLayout.INTERLEAVED);
        Random random = new Random(9);
        for (int pos : new int[] {0, 1, 7, 100}) {
            float[] v = TestTensors.randomFloats(random, 2 + heads * headDim);
            float[] rotated = v.clone();
            rope.rotate(rotated, 2, heads, headDim, pos);
            assertEquals(v[0], rotated[0]);
            assertEquals(v[1], rotated[1]);
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < headDim / 2; i++) {
                    int a = 2 + h * headDim + 2 * i;
                    double angle = pos * Math.pow(10000, -2.0 * i / headDim);
                    double x0 = v[a] * Math.cos(angle) - v[a + 1] * Math.sin(angle);
                    double x1 = v[a] * Math.sin(angle) + v[a + 1] * Math.cos(angle);
                    assertEquals(x0, rotated[a], 1e-4, "pos " + pos + " head " + h + " pair " + i);
                    assertEquals(x1, rotated[a + 1], 1e-4, "pos " + pos + " head " + h + " pair " + i);
                }
            }
        }
    }

    @Test
    void halfLayoutIsInterleavedUpToPermutation() {
        int headDim = 12;
        int heads = 4;
        Random random = new Random(10);
        RopeScaling scaling = new RopeScaling.Llama3(8, 1, 4, 64);
        Rope interleaved = new Rope(headDim, 500000, scaling, RopeLayout.INTERLEAVED);
        Rope half = new Rope(headDim, 500000, scaling, RopeLayout.HALF);
        for (int pos : new int[] {0, 3, 517}) {
            float[] a = TestTensors.randomFloats(random, heads * headDim);
            float[] b = toHalf(a, headDim);
            interleaved.rotate(a, 0, heads, headDim, pos);
            half.rotate(b, 0, heads, headDim, pos);
            assertArrayEquals(toHalf(a, headDim), b, "pos " + pos);
        }
    }

    /** Pair i of every head moves from (2i, 2i+1) to (i, i + headDim/2). */
    private static float[] toHalf(float[] interleaved, int headDim) {
        float[] half = new float[interleaved.length];
        for (int base = 0; base < interleaved.length; base += headDim) {
            for (int i = 0; i < headDim / 2; i++) {
                half[base + i] = interleaved[base + 2 * i];
                half[base + i + headDim / 2] = interleaved[base + 2 * i + 1];
            }
        }
        return half;
    }

    @Test
    void llama3ScalingMatchesHandComputedFrequencies() {
        // Llama 3.1 settings; expected values from the transformers formula in double precision.
        Rope rope = new Rope(128, 500000, new RopeScaling.Llama3(8, 1, 4, 8192), RopeLayout.HALF);
        assertRelative(1.0, rope.invFreq(0, 0));                    // wavelength 6.3: high frequency, kept
        assertRelative(0.016560440080994446, rope.invFreq(20, 0));  // wavelength 379: kept
        assertRelative(5.248461609929547e-4, rope.invFreq(32, 0));  // wavelength 4443: smoothed
        assertRelative(3.428102195952591e-5, rope.invFreq(40, 0));  // wavelength 22911: divided by 8
        assertRelative(3.068925988914511e-7, rope.invFreq(63, 0));
        Rope plain = new Rope(128, 500000, null, RopeLayout.HALF);
        assertRelative(0.001414213562373095, plain.invFreq(32, 0));
    }

    @Test
    void linearScalingDividesEveryFrequency() {
        Rope plain = new Rope(16, 10000, null, RopeLayout.HALF);
        Rope linear = new Rope(16, 10000, new RopeScaling.Linear(4), RopeLayout.HALF);
        for (int i = 0; i < 8; i++) {
            assertRelative(plain.invFreq(i, 0) / 4.0, linear.invFreq(i, 0));
        }
    }

    @Test
    void dynamicNtkGrowsTheBaseOnlyPastTheOriginalContext() {
        int dims = 16;
        Rope plain = new Rope(dims, 10000, null, RopeLayout.HALF);
        Rope dynamic = new Rope(dims, 10000, new RopeScaling.Dynamic(2, 8), RopeLayout.HALF);
        for (int i = 0; i < dims / 2; i++) {
            assertEquals(plain.invFreq(i, 7), dynamic.invFreq(i, 7), "position 7: a sequence of 8 fits");
            for (int pos : new int[] {8, 20}) {
                double base = 10000 * Math.pow(2.0 * (pos + 1) / 8 - 1, dims / (dims - 2.0));
                assertRelative(Math.pow(base, -2.0 * i / dims), dynamic.invFreq(i, pos));
            }
        }
        assertTrue(dynamic.invFreq(7, 20) < dynamic.invFreq(7, 8), "a longer sequence turns slower");
    }

    @Test
    void yarnRampsFromInterpolatedToKeptFrequencies() {
        int dims = 32;
        double theta = 10000;
        var yarn = new RopeScaling.Yarn(4, 64, 32, 1, 1.2, true);
        Rope rope = new Rope(dims, theta, yarn, RopeLayout.HALF);
        // the correction range of the YaRN paper (Peng et al. 2023, eq. 17) for beta 32 and 1 over 64 positions
        double low = Math.floor(dims * Math.log(64 / (32 * 2 * Math.PI)) / (2 * Math.log(theta)));
        double high = Math.ceil(dims * Math.log(64 / (1 * 2 * Math.PI)) / (2 * Math.log(theta)));
        for (int i = 0; i < dims / 2; i++) {
            double freq = Math.pow(theta, -2.0 * i / dims);
            double ramp = Math.min(1, Math.max(0, (i - Math.max(low, 0)) / (high - Math.max(low, 0))));
            double expected = freq / 4 * ramp + freq * (1 - ramp);
            assertRelative(expected, rope.invFreq(i, 0));
        }
        float[] v = {1, 0};
        new Rope(2, theta, yarn, RopeLayout.HALF).rotate(v, 0, 1, 2, 0);
        assertEquals(1.2f, v[0], 1e-6, "cos and sin are scaled by the attention factor");
    }

    @Test
    void longRopeUsesTheShortFactorsWithinTheOriginalContextAndTheLongOnesPastIt() {
        List<Double> shortFactor = List.of(1.0, 1.5, 2.0, 2.5);
        List<Double> longFactor = List.of(3.0, 4.0, 5.0, 6.0);
        Rope rope = new Rope(8, 10000, new RopeScaling.LongRope(shortFactor, longFactor, 16, 1.1), RopeLayout.HALF);
        for (int i = 0; i < 4; i++) {
            double freq = Math.pow(10000, -2.0 * i / 8);
            assertRelative(freq / shortFactor.get(i), rope.invFreq(i, 15));
            assertRelative(freq / longFactor.get(i), rope.invFreq(i, 16));
        }
        float[] v = {1, 0, 0, 0, 0, 0, 0, 0};
        rope.rotate(v, 0, 1, 8, 0);
        assertEquals(1.1f, v[0], 1e-6, "cos and sin are scaled by the attention factor");
    }

    @Test
    void partialRotaryTurnsTheFirstDimsOfEachHeadAndLeavesTheRest() {
        int headDim = 10;
        int dims = 4;
        Rope partial = new Rope(dims, 10000, null, RopeLayout.HALF);
        Rope alone = new Rope(dims, 10000, null, RopeLayout.HALF);
        Random random = new Random(21);
        float[] v = TestTensors.randomFloats(random, 3 * headDim);
        float[] rotated = v.clone();
        partial.rotate(rotated, 0, 3, headDim, 5);
        for (int h = 0; h < 3; h++) {
            float[] head = Arrays.copyOfRange(v, h * headDim, h * headDim + dims);
            alone.rotate(head, 0, 1, dims, 5);
            assertArrayEquals(head, Arrays.copyOfRange(rotated, h * headDim, h * headDim + dims));
            assertArrayEquals(Arrays.copyOfRange(v, h * headDim + dims, (h + 1) * headDim),
                    Arrays.copyOfRange(rotated, h * headDim + dims, (h + 1) * headDim), "not rotated");
        }
    }

    private static void assertRelative(double expected, float actual) {
        assertEquals(expected, actual, 2e-6 * Math.abs(expected), "expected " + expected + ", found " + actual);
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Rope(7, 10000, null, RopeLayout.HALF));
        assertThrows(IllegalArgumentException.class, () -> new Rope(8, 0, null, RopeLayout.HALF));
        Rope rope = new Rope(8, 10000, null, RopeLayout.HALF);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> rope.rotate(new float[20], 0, 3, 8, 0));
        assertTrue(e.getMessage().contains("length 20"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> rope.rotate(new float[8], 0, 1, 8, -1));
    }
}
