package rdu.matmul;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.junit.jupiter.api.Test;

import rdu.tensor.DType;
import rdu.tensor.Tensor;
import rdu.tensor.TestTensors;

class MatMulTest {

    @Test
    void equalsRepeatedMatVecBitForBit() {
        Random random = new Random(7);
        // Small (serial), tall with rows spanning several cache blocks, and above the parallel threshold.
        int[][] shapes = {{1, 1}, {9, 67}, {173, 1003}, {301, 1003}, {2000, 33}};
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            for (int[] shape : shapes) {
                Tensor w = MatVecTest.randomMatrix(random, dtype, shape[0], shape[1], 2);
                float[][] xs = new float[3][];
                float[][] outs = new float[3][shape[0]];
                for (int b = 0; b < xs.length; b++) {
                    xs[b] = TestTensors.randomFloats(random, shape[1]);
                }
                MatMul.apply(w, xs, outs);
                for (int b = 0; b < xs.length; b++) {
                    float[] single = new float[shape[0]];
                    MatVec.apply(w, xs[b], single);
                    assertArrayEquals(single, outs[b], dtype + " " + shape[0] + "x" + shape[1] + " batch " + b);
                }
            }
        }
    }

    @Test
    void mismatchedBatchIsRejected() {
        Tensor w = MatVecTest.randomMatrix(new Random(8), DType.F32, 4, 5, 0);
        assertThrows(IllegalArgumentException.class,
                () -> MatMul.apply(w, new float[2][5], new float[1][4]));
        assertThrows(IllegalArgumentException.class,
                () -> MatMul.apply(w, new float[][] {new float[5], new float[6]}, new float[2][4]));
    }
}
