package rdu.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.junit.jupiter.api.Test;

import rdu.tensor.TestTensors;

class ResidualTest {

    @Test
    void addsElementWiseExactly() {
        Random random = new Random(17);
        for (int n : new int[] {0, 1, 7, 33, 67, 173, 1003}) {
            float[] x = TestTensors.randomFloats(random, n);
            float[] y = TestTensors.randomFloats(random, n);
            float[] original = x.clone();
            Residual.add(x, y);
            for (int i = 0; i < n; i++) {
                assertEquals(original[i] + y[i], x[i], "n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void lengthMismatchIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Residual.add(new float[4], new float[5]));
    }
}
