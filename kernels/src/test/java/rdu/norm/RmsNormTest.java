package rdu.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import rdu.tensor.DType;
import rdu.tensor.Tensor;
import rdu.tensor.TestTensors;

class RmsNormTest {

    @Test
    void matchesDoubleReferenceForEveryWeightDtype() {
        Random random = new Random(13);
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            for (int n : new int[] {1, 7, 33, 67, 173, 1003}) {
                float[] x = TestTensors.randomFloats(random, n);
                Tensor weight = TestTensors.of("rms_att_weight", dtype, new long[] {n},
                        TestTensors.randomFloats(random, n), 2);
                float[] w = TestTensors.values(weight);
                float[] out = new float[n];
                RmsNorm.apply(out, x, weight, 1e-5f, false);
                double ss = 0;
                for (float v : x) {
                    ss += (double) v * v;
                }
                double inv = 1 / Math.sqrt(ss / n + 1e-5);
                for (int j = 0; j < n; j++) {
                    double expected = w[j] * inv * x[j];
                    assertEquals(expected, out[j], 1e-5 * (1 + Math.abs(expected)), dtype + " n=" + n + " j=" + j);
                }
            }
        }
    }

    @Test
    void gemmaScalesByOnePlusTheWeight() {
        Random random = new Random(15);
        float[] x = TestTensors.randomFloats(random, 37);
        float[] w = TestTensors.randomFloats(random, 37);
        float[] onePlus = new float[37];
        for (int j = 0; j < 37; j++) {
            onePlus[j] = 1 + w[j];
        }
        float[] gemma = new float[37];
        RmsNorm.apply(gemma, x, TestTensors.of("w", DType.F32, new long[] {37}, w, 0), 1e-6f, true);
        float[] plain = new float[37];
        RmsNorm.apply(plain, x, TestTensors.of("w", DType.F32, new long[] {37}, onePlus, 0), 1e-6f, false);
        for (int j = 0; j < 37; j++) {
            assertEquals(plain[j], gemma[j], 1e-6 * (1 + Math.abs(plain[j])), "j=" + j);
        }
    }

    @Test
    void outMayBeX() {
        Random random = new Random(14);
        float[] x = TestTensors.randomFloats(random, 67);
        Tensor weight = TestTensors.of("w", DType.F32, new long[] {67}, TestTensors.randomFloats(random, 67), 0);
        float[] separate = new float[67];
        RmsNorm.apply(separate, x, weight, 1e-6f, false);
        RmsNorm.apply(x, x, weight, 1e-6f, false);
        assertArrayEquals(separate, x);
    }

    @Test
    void weightOfWrongLengthIsRejected() {
        Tensor weight = TestTensors.of("model.norm.weight", DType.F32, new long[] {5}, new float[5], 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RmsNorm.apply(new float[6], new float[6], weight, 1e-5f, false));
        assertTrue(e.getMessage().contains("model.norm.weight") && e.getMessage().contains("[6]"), e.getMessage());
    }
}
