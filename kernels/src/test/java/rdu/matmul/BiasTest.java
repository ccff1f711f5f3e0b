package rdu.matmul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import rdu.tensor.DType;
import rdu.tensor.Tensor;
import rdu.tensor.TestTensors;

class BiasTest {

    @Test
    void addsTheWidenedBiasToEveryElement() {
        Random random = new Random(44);
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            for (int n : new int[] {1, 7, 33, 1003}) {
                float[] x = TestTensors.randomFloats(random, n);
                float[] values = TestTensors.randomFloats(random, n);
                Tensor bias = TestTensors.of("q_proj.bias", dtype, new long[] {n}, values, 3);
                float[] b = TestTensors.values(bias);
                float[] out = x.clone();
                Bias.add(out, bias);
                for (int i = 0; i < n; i++) {
                    assertEquals(x[i] + b[i], out[i], 0, dtype + " n=" + n + " i=" + i);
                }
            }
        }
    }

    @Test
    void aBiasOfAnotherWidthIsNamed() {
        Tensor bias = TestTensors.of("q_proj.bias", DType.F32, new long[] {5}, new float[5], 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bias.add(new float[6], bias));
        assertTrue(e.getMessage().contains("q_proj.bias") && e.getMessage().contains("[6]"), e.getMessage());
    }
}
