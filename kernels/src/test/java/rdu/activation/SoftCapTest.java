package rdu.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

class SoftCapTest {

    @Test
    void everyElementBecomesCapTimesTanhOfItOverCap() {
        Random random = new Random(43);
        for (int n : new int[] {1, 7, 33, 1003}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) (random.nextGaussian() * 60);
            }
            float[] capped = x.clone();
            SoftCap.apply(capped, n, 30);
            for (int i = 0; i < n; i++) {
                double expected = 30 * Math.tanh(x[i] / 30.0);
                assertEquals(expected, capped[i], 1e-5 * (1 + Math.abs(expected)), "n=" + n + " i=" + i);
                assertTrue(Math.abs(capped[i]) <= 30, "within the cap: " + capped[i]);
            }
        }
    }

    @Test
    void aCapMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> SoftCap.apply(new float[3], 3, 0));
        assertThrows(IllegalArgumentException.class, () -> SoftCap.apply(new float[3], 4, 5));
    }
}
