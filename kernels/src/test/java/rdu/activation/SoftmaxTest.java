package rdu.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.junit.jupiter.api.Test;

import rdu.tensor.TestTensors;

class SoftmaxTest {

    @Test
    void matchesDoubleReferenceInsideTheRangeOnly() {
        Random random = new Random(15);
        for (int n : new int[] {1, 7, 33, 67, 173, 1003}) {
            float[] x = TestTensors.randomFloats(random, n + 4);
            for (int i = 0; i < x.length; i++) {
                x[i] *= 10;
            }
            float[] original = x.clone();
            Softmax.apply(x, 3, n);
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 3; i < 3 + n; i++) {
                max = Math.max(max, original[i]);
            }
            double sum = 0;
            for (int i = 3; i < 3 + n; i++) {
                sum += Math.exp(original[i] - max);
            }
            for (int i = 0; i < x.length; i++) {
                if (i < 3 || i >= 3 + n) {
                    assertEquals(original[i], x[i], "outside the range");
                } else {
                    double expected = Math.exp(original[i] - max) / sum;
                    assertEquals(expected, x[i], 1e-5 * expected + 1e-12, "n=" + n + " i=" + i);
                }
            }
        }
    }

    @Test
    void largeLogitsDoNotOverflow() {
        float[] x = {1000, 1000, 999};
        Softmax.apply(x, 0, 3);
        double e = Math.exp(-1);
        assertEquals(1 / (2 + e), x[0], 1e-7);
        assertEquals(e / (2 + e), x[2], 1e-7);
    }

    @Test
    void badRangeIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Softmax.apply(new float[4], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Softmax.apply(new float[4], 0, 0));
    }
}
