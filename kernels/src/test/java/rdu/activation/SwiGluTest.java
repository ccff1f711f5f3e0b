package rdu.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.junit.jupiter.api.Test;

import rdu.tensor.TestTensors;

class SwiGluTest {

    @Test
    void matchesDoubleReferenceForTheFirstNOnly() {
        Random random = new Random(16);
        for (int n : new int[] {0, 1, 7, 173, 1003}) {
            float[] gate = TestTensors.randomFloats(random, n + 3);
            float[] up = TestTensors.randomFloats(random, n + 3);
            float[] original = gate.clone();
            SwiGlu.apply(gate, up, n);
            for (int i = 0; i < gate.length; i++) {
                double g = original[i];
                double expected = i < n ? g / (1 + Math.exp(-g)) * up[i] : g;
                assertEquals(expected, gate[i], 1e-6 * (1 + Math.abs(expected)), "n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void lengthBeyondArraysIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> SwiGlu.apply(new float[4], new float[3], 4));
    }
}
