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

class LayerNormTest {

    @Test
    void matchesDoubleReferenceForEveryWeightDtype() {
        Random random = new Random(31);
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            for (int n : new int[] {1, 7, 33, 67, 1003}) {
                float[] x = TestTensors.randomFloats(random, n);
                for (int j = 0; j < n; j++) {
                    x[j] += 3; // a mean far from zero, which a one-pass variance would lose digits to
                }
                long[] shape = {n};
                Tensor weight = TestTensors.of("ln.weight", dtype, shape, TestTensors.randomFloats(random, n), 2);
                Tensor bias = TestTensors.of("ln.bias", dtype, shape, TestTensors.randomFloats(random, n), 1);
                float[] w = TestTensors.values(weight);
                float[] b = TestTensors.values(bias);
                float[] out = new float[n];
                LayerNorm.apply(out, x, weight, bias, 1e-5f);
                double mean = 0;
                for (float v : x) {
                    mean += v;
                }
                mean /= n;
                double variance = 0;
                for (float v : x) {
                    variance += (v - mean) * (v - mean);
                }
                double inv = 1 / Math.sqrt(variance / n + 1e-5);
                for (int j = 0; j < n; j++) {
                    double expected = (x[j] - mean) * inv * w[j] + b[j];
                    assertEquals(expected, out[j], 1e-5 * (1 + Math.abs(expected)), dtype + " n=" + n + " j=" + j);
                }
            }
        }
    }

    @Test
    void outMayBeX() {
        Random random = new Random(32);
        float[] x = TestTensors.randomFloats(random, 67);
        Tensor weight = TestTensors.of("w", DType.F32, new long[] {67}, TestTensors.randomFloats(random, 67), 0);
        Tensor bias = TestTensors.of("b", DType.F32, new long[] {67}, TestTensors.randomFloats(random, 67), 0);
        float[] separate = new float[67];
        LayerNorm.apply(separate, x, weight, bias, 1e-5f);
        LayerNorm.apply(x, x, weight, bias, 1e-5f);
        assertArrayEquals(separate, x);
    }

    @Test
    void biasOfWrongLengthIsNamed() {
        Tensor weight = TestTensors.of("ln_f.weight", DType.F32, new long[] {6}, new float[6], 0);
        Tensor bias = TestTensors.of("ln_f.bias", DType.F32, new long[] {5}, new float[5], 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LayerNorm.apply(new float[6], new float[6], weight, bias, 1e-5f));
        assertTrue(e.getMessage().contains("ln_f.bias") && e.getMessage().contains("[6]"), e.getMessage());
    }
}
