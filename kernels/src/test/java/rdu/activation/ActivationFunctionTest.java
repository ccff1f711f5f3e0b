package rdu.activation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import rdu.tensor.TestTensors;

class ActivationFunctionTest {

    @Test
    void erfMatchesTabulatedValues() {
        // Python's math.erf (C99 erf)
        double[][] table = {{0, 0}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1, 0.8427007929497149},
            {1.5, 0.9661051464753108}, {2, 0.9953222650189527}, {2.9, 0.9999589021219005},
            {3, 0.9999779095030014}, {3.5, 0.9999992569016276}, {4.5, 0.9999999998033839}, {7, 1}};
        for (double[] row : table) {
            assertEquals(row[1], Erf.erf(row[0]), 1e-14, "erf(" + row[0] + ")");
            assertEquals(-row[1], Erf.erf(-row[0]), 1e-14, "erf(" + -row[0] + ")");
        }
    }

    @Test
    void eachFunctionMatchesItsFormulaInDouble() {
        Random random = new Random(41);
        for (int i = 0; i < 2000; i++) {
            float x = (float) (random.nextGaussian() * 4);
            double silu = x / (1 + Math.exp(-x));
            double geluTanh = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            double gelu = 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
            assertEquals(silu, ActivationFunction.SILU.apply(x), 1e-6 * (1 + Math.abs(silu)), "silu " + x);
            assertEquals(geluTanh, ActivationFunction.GELU_TANH.apply(x), 1e-6 * (1 + Math.abs(geluTanh)),
                    "gelu tanh " + x);
            assertEquals(gelu, ActivationFunction.GELU.apply(x), 1e-6 * (1 + Math.abs(gelu)), "gelu " + x);
        }
    }

    @Test
    void tanhApproximationIsNotTheExactGelu() {
        // where the two differ by more than float rounding, so a mix-up of the two fails the test above
        assertTrue(Math.abs(ActivationFunction.GELU.apply(-2.5f) - ActivationFunction.GELU_TANH.apply(-2.5f)) > 1e-4);
    }

    @Test
    void plainAndGatedFormsApplyTheFunction() {
        Random random = new Random(42);
        for (ActivationFunction f : ActivationFunction.values()) {
            float[] gate = TestTensors.randomFloats(random, 19);
            float[] up = TestTensors.randomFloats(random, 19);
            float[] expectedGated = new float[19];
            float[] expectedPlain = new float[19];
            for (int i = 0; i < 19; i++) {
                expectedGated[i] = f.apply(gate[i]) * up[i];
                expectedPlain[i] = f.apply(gate[i]);
            }
            float[] plain = gate.clone();
            f.apply(plain, 19);
            assertArrayEquals(expectedPlain, plain, f.toString());
            f.gated(gate, up, 19);
            assertArrayEquals(expectedGated, gate, 1e-7f, f.toString());
        }
        assertThrows(IllegalArgumentException.class,
                () -> ActivationFunction.GELU.gated(new float[4], new float[3], 4));
    }
}
