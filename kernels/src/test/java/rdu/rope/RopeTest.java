package rdu.rope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
            rope.rotate(rotated, 2, heads, pos);
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
        RopeScaling scaling = new RopeScaling(8, 1, 4, 64);
        Rope interleaved = new Rope(headDim, 500000, scaling, RopeLayout.INTERLEAVED);
        Rope half = new Rope(headDim, 500000, scaling, RopeLayout.HALF);
        for (int pos : new int[] {0, 3, 517}) {
            float[] a = TestTensors.randomFloats(random, heads * headDim);
            float[] b = toHalf(a, headDim);
            interleaved.rotate(a, 0, heads, pos);
            half.rotate(b, 0, heads, pos);
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
        Rope rope = new Rope(128, 500000, new RopeScaling(8, 1, 4, 8192), RopeLayout.HALF);
        assertRelative(1.0, rope.invFreq(0));                    // wavelength 6.3: high frequency, kept
        assertRelative(0.016560440080994446, rope.invFreq(20));  // wavelength 379: kept
        assertRelative(5.248461609929547e-4, rope.invFreq(32));  // wavelength 4443: smoothed
        assertRelative(3.428102195952591e-5, rope.invFreq(40));  // wavelength 22911: divided by 8
        assertRelative(3.068925988914511e-7, rope.invFreq(63));
        Rope plain = new Rope(128, 500000, null, RopeLayout.HALF);
        assertRelative(0.001414213562373095, plain.invFreq(32));
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
                () -> rope.rotate(new float[20], 0, 3, 0));
        assertTrue(e.getMessage().contains("length 20"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> rope.rotate(new float[8], 0, 1, -1));
    }
}
