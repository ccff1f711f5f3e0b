package rdu.matmul;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import rdu.tensor.DType;
import rdu.tensor.Tensor;
import rdu.tensor.TestTensors;

class MatVecTest {

    private static final DType[] DTYPES = {DType.F32, DType.BF16, DType.F16};

    static Tensor randomMatrix(Random random, DType dtype, int rows, int cols, int misalignment) {
        return TestTensors.of("w", dtype, new long[] {rows, cols}, TestTensors.randomFloats(random, rows * cols),
                misalignment);
    }

    /** Row r of w dotted with x in double, and the sum of |terms| for a reassociation tolerance. */
    static void assertMatchesReference(Tensor w, long rowStart, float[] x, float[] out, int outOffset, int rowCount) {
        float[] weights = TestTensors.values(w);
        int cols = x.length;
        for (int r = 0; r < rowCount; r++) {
            double expected = 0;
            double scale = 0;
            for (int c = 0; c < cols; c++) {
                double term = (double) weights[(int) ((rowStart + r) * cols + c)] * x[c];
                expected += term;
                scale += Math.abs(term);
            }
            assertEquals(expected, out[outOffset + r], 1e-5 * scale + 1e-30, w.dtype() + " row " + r);
        }
    }

    @Test
    void matchesReferenceForEveryDtypeAndOddShape() {
        Random random = new Random(3);
        int[][] shapes = {{1, 1}, {3, 7}, {5, 33}, {8, 67}, {13, 173}, {6, 1003}, {64, 64}};
        for (DType dtype : DTYPES) {
            for (int[] shape : shapes) {
                for (int misalignment : new int[] {0, 2}) {
                    Tensor w = randomMatrix(random, dtype, shape[0], shape[1], misalignment);
                    float[] x = TestTensors.randomFloats(random, shape[1]);
                    float[] out = new float[shape[0]];
                    MatVec.apply(w, x, out);
                    assertMatchesReference(w, 0, x, out, 0, shape[0]);
                }
            }
        }
    }

    @Test
    void columnBlockDotsOnlyItsColumnsWithRowsAStrideApart() {
        Random random = new Random(11);
        for (DType dtype : DTYPES) {
            int rows = 9;
            int cols = 70;
            Tensor w = randomMatrix(random, dtype, rows, cols, 0);
            float[] all = TestTensors.values(w);
            for (int[] block : new int[][] {{0, 35}, {35, 35}, {3, 17}}) {
                Tensor columns = w.columns("w[:, block]", block[0], block[1]);
                assertEquals(cols, columns.rowStride());
                assertEquals((long) rows * block[1] * dtype.bytes(), columns.byteSize(), "bytes of the block only");
                float[] x = TestTensors.randomFloats(random, block[1]);
                float[] out = new float[rows];
                MatVec.apply(columns, x, out);
                for (int r = 0; r < rows; r++) {
                    double expected = 0;
                    double scale = 0;
                    for (int c = 0; c < block[1]; c++) {
                        double term = (double) all[r * cols + block[0] + c] * x[c];
                        expected += term;
                        scale += Math.abs(term);
                    }
                    assertEquals(expected, out[r], 1e-5 * scale + 1e-30, dtype + " row " + r + " block " + block[0]);
                }
            }
            Tensor rowBlock = w.rows("w[2:5]", 2, 3);
            float[] x = TestTensors.randomFloats(random, cols);
            float[] viaView = new float[3];
            float[] viaSlice = new float[3];
            MatVec.apply(rowBlock, x, viaView);
            MatVec.apply(w, 2, 3, x, viaSlice, 0);
            assertArrayEquals(viaSlice, viaView, 0f, "a row view equals a row slice, bit for bit");
        }
    }

    @Test
    void rowSliceWritesOnlyItsRowsAtTheOffset() {
        Random random = new Random(4);
        for (DType dtype : DTYPES) {
            Tensor w = randomMatrix(random, dtype, 23, 41, 2);
            float[] x = TestTensors.randomFloats(random, 41);
            float[] out = new float[20];
            out[0] = 42;
            out[19] = 43;
            MatVec.apply(w, 9, 11, x, out, 3);
            assertMatchesReference(w, 9, x, out, 3, 11);
            assertEquals(42, out[0]);
            assertEquals(43, out[19]);
            float[] full = new float[23];
            MatVec.apply(w, x, full);
            for (int r = 0; r < 11; r++) {
                assertEquals(full[9 + r], out[3 + r], "a row's result does not depend on the slice it is in");
            }
        }
    }

    @Test
    void everyRowHasTheSameBitsAloneAsAmongAnyNumberOfRows() {
        // BF16 and F16 rows are computed in pairs from the two halves of the rows, an odd last row with itself:
        // whatever its partner, a row must get its own result, with the bits it has when computed alone
        Random random = new Random(12);
        for (DType dtype : DTYPES) {
            for (int rows = 1; rows <= 19; rows++) {
                Tensor w = randomMatrix(random, dtype, rows, 48, 0);
                float[] x = TestTensors.randomFloats(random, 48);
                float[] all = new float[rows];
                MatVec.apply(w, x, all);
                assertMatchesReference(w, 0, x, all, 0, rows);
                for (int r = 0; r < rows; r++) {
                    float[] alone = new float[1];
                    MatVec.apply(w, r, 1, x, alone, 0);
                    assertEquals(alone[0], all[r], 0f, dtype + " row " + r + " of " + rows);
                }
            }
        }
    }

    @Test
    void parallelPathEqualsSerialKernel() {
        Random random = new Random(5);
        int rows = 301;
        int cols = 1003;
        assertTrue((long) rows * cols >= MatVec.PARALLEL_ELEMENTS, "matrix must take the parallel path");
        for (DType dtype : DTYPES) {
            Tensor w = randomMatrix(random, dtype, rows, cols, 2);
            float[] x = TestTensors.randomFloats(random, cols);
            float[] parallel = new float[rows];
            MatVec.apply(w, x, parallel);
            float[] serial = new float[rows];
            MatVec.rows(w, 0, rows, new float[][] {x}, 1, new float[][] {serial}, 0);
            assertArrayEquals(serial, parallel);
            assertMatchesReference(w, 0, x, parallel, 0, rows);
        }
    }

    /** n vectors of length cols, in an array of {@code capacity} rows (the rest must be ignored). */
    private static float[][] vectors(Random random, int capacity, int cols) {
        float[][] x = new float[capacity][];
        for (int j = 0; j < capacity; j++) {
            x[j] = TestTensors.randomFloats(random, cols);
        }
        return x;
    }

    /** Asserts out[j] holds exactly the bits of the one-vector product of x[j], for j < n. */
    private static void assertEqualsOneVectorAtATime(Tensor w, float[][] x, int n, float[][] out, String what) {
        for (int j = 0; j < n; j++) {
            float[] single = new float[(int) w.dim(0)];
            MatVec.apply(w, x[j], single);
            float[] pass = Arrays.copyOf(out[j], single.length);
            assertArrayEquals(single, pass, what + " vector " + j); // float arrays compare bit for bit
        }
    }

    @Test
    void passEqualsOneVectorAtATimeBitForBitForEveryDtypeAndOddShape() {
        Random random = new Random(7);
        for (DType dtype : DTYPES) {
            // 35 rows: lane sums in blocks of SUMMED_TOGETHER and a part block; 24 and 49 columns: an odd number of
            // whole vectors at 256 and 512 bits
            for (int rows : new int[] {1, 3, 7, 13, 35}) {
                for (int cols : new int[] {1, 24, 33, 37, 49, 129}) {
                    Tensor w = randomMatrix(random, dtype, rows, cols, 2);
                    for (int n = 1; n <= 9; n++) {
                        float[][] x = vectors(random, n, cols);
                        float[][] out = new float[n][rows];
                        MatVec.apply(w, x, n, out);
                        assertEqualsOneVectorAtATime(w, x, n, out, dtype + " [" + rows + ", " + cols + "] n " + n);
                    }
                }
            }
        }
    }

    @Test
    void passTakesTheParallelPathWhenVectorsTimesWeightsAreManyAndStillEqualsOneVectorAtATime() {
        Random random = new Random(8);
        int rows = 301;
        int cols = 257;
        int n = 5;
        assertTrue((long) rows * cols < MatVec.PARALLEL_ELEMENTS, "one vector must take the serial path");
        assertTrue((long) rows * cols * n >= MatVec.PARALLEL_ELEMENTS, "the pass must take the parallel path");
        for (DType dtype : DTYPES) {
            Tensor w = randomMatrix(random, dtype, rows, cols, 0);
            float[][] x = vectors(random, n, cols);
            float[][] parallel = new float[n][rows];
            MatVec.apply(w, x, n, parallel);
            assertEqualsOneVectorAtATime(w, x, n, parallel, dtype + " parallel pass");
            float[][] serial = new float[n][rows];
            MatVec.rows(w, 0, rows, x, n, serial, 0);
            for (int j = 0; j < n; j++) {
                assertArrayEquals(serial[j], parallel[j], dtype + " vector " + j);
            }
        }
    }

    @Test
    void passReadsAndWritesOnlyTheFirstNRowsAndOutMayBeLonger() {
        Random random = new Random(9);
        Tensor w = randomMatrix(random, DType.BF16, 5, 37, 0);
        float[][] x = vectors(random, 6, 37);
        x[4] = new float[3]; // beyond n: neither read nor checked
        float[][] out = new float[6][8];
        out[2][5] = 42;
        out[4][0] = 43;
        MatVec.apply(w, x, 4, out);
        assertEqualsOneVectorAtATime(w, x, 4, out, "BF16");
        assertEquals(42, out[2][5], "out past the matrix's rows is left alone");
        assertEquals(43, out[4][0], "out rows past n are left alone");
    }

    @Test
    void badPassShapesGetClearErrors() {
        Tensor w = randomMatrix(new Random(10), DType.F32, 4, 5, 0);
        float[][] x = {new float[5], new float[5], new float[5]};
        float[][] out = {new float[4], new float[4], new float[4]};
        assertMessage("4 vectors asked for, expected 1 to 3 (x has 3 rows, out 3)", () -> MatVec.apply(w, x, 4, out));
        assertMessage("3 vectors asked for, expected 1 to 2 (x has 3 rows, out 2)",
                () -> MatVec.apply(w, x, 3, new float[][] {new float[4], new float[4]}));
        assertMessage("0 vectors asked for", () -> MatVec.apply(w, x, 0, out));
        assertMessage("x[1] has length 6, expected cols = 5",
                () -> MatVec.apply(w, new float[][] {new float[5], new float[6]}, 2, out));
        assertMessage("out[2] has length 3, needs 4 values",
                () -> MatVec.apply(w, x, 3, new float[][] {new float[4], new float[4], new float[3]}));
        Tensor vector = w.reshape("v", 20);
        assertMessage("expected rank 2", () -> MatVec.apply(vector, x, 1, out));
    }

    @Test
    void badInputsGetClearErrors() {
        Tensor w = randomMatrix(new Random(6), DType.F32, 4, 5, 0);
        assertMessage("x has length 4, expected cols = 5", () -> MatVec.apply(w, new float[4], new float[4]));
        assertMessage("out has length 3", () -> MatVec.apply(w, new float[5], new float[3]));
        assertMessage("rows [2, 5) outside [0, 4)", () -> MatVec.apply(w, 2, 3, new float[5], new float[3], 0));
        Tensor int8 = new Tensor("layers.0.wq", DType.I8, new long[] {4, 5}, Arena.ofAuto().allocate(20));
        assertMessage("layers.0.wq", () -> MatVec.apply(int8, new float[5], new float[4]));
        assertMessage("I8", () -> MatVec.apply(int8, new float[5], new float[4]));
        Tensor vector = w.reshape("v", 20);
        assertMessage("expected rank 2", () -> MatVec.apply(vector, new float[20], new float[1]));
    }

    private static void assertMessage(String part, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
