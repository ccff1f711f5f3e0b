package rdu.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import rdu.tensor.DType;
import rdu.tensor.TestTensors;

class SimdTest {

    @Test
    void forcedWidthIsTheOneInUse() {
        String forced = System.getProperty("rdu.vector.bits");
        if (forced != null) {
            assertEquals(Integer.parseInt(forced), Simd.FLOAT.vectorBitSize());
        } else {
            assertSame(FloatVector.SPECIES_PREFERRED, Simd.FLOAT);
        }
    }

    @Test
    void speciesFromProperty() {
        assertSame(FloatVector.SPECIES_128, Simd.species("128"));
        assertSame(FloatVector.SPECIES_256, Simd.species("256"));
        assertSame(FloatVector.SPECIES_512, Simd.species("512"));
        assertSame(FloatVector.SPECIES_PREFERRED, Simd.species(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Simd.species("64"));
        assertTrue(e.getMessage().contains("rdu.vector.bits") && e.getMessage().contains("\"64\""), e.getMessage());
    }

    /** Every one of the 65536 F16 bit patterns, including subnormals, infinities and NaNs. */
    @Test
    void f16LoadWidensEveryValueLikeTheJdk() {
        MemorySegment all = Arena.ofAuto().allocate(2 * 65536 + 2).asSlice(1, 2 * 65536);
        for (int h = 0; h < 65536; h++) {
            all.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * h, (short) h);
        }
        float[] lanes = new float[Simd.FLOAT.length()];
        for (int h = 0; h < 65536; h += lanes.length) {
            Simd.loadF16(all, 2L * h).intoArray(lanes, 0);
            for (int j = 0; j < lanes.length; j++) {
                float expected = Float.float16ToFloat((short) (h + j));
                String what = "f16 bits 0x" + Integer.toHexString(h + j);
                if (Float.isNaN(expected)) {
                    // NaN payloads and quiet bits may differ between conversion paths; NaN-ness may not.
                    assertTrue(Float.isNaN(lanes[j]), what);
                } else {
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(lanes[j]), what);
                    assertEquals(Float.floatToRawIntBits(expected),
                            Float.floatToRawIntBits(Simd.get(DType.F16, all, h + j)), what);
                }
            }
        }
    }

    @Test
    void loadsAndGetsMatchStoredValuesAtUnalignedAddresses() {
        float[] values = TestTensors.randomFloats(new Random(1), 5 * Simd.FLOAT.length());
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            var t = TestTensors.of("v", dtype, new long[] {values.length}, values, 3);
            float[] expected = TestTensors.values(t);
            float[] lanes = new float[Simd.FLOAT.length()];
            for (int i = 0; i + lanes.length <= values.length; i += 7) {
                Simd.load(dtype, t.data(), i).intoArray(lanes, 0);
                for (int j = 0; j < lanes.length; j++) {
                    assertEquals(expected[i + j], lanes[j], dtype + " element " + (i + j));
                    assertEquals(expected[i + j], Simd.get(dtype, t.data(), i + j), dtype + " element " + (i + j));
                }
            }
        }
    }

    @Test
    void unsupportedDtypeIsNamed() {
        var t = new rdu.tensor.Tensor("emb", DType.I8, new long[] {4}, Arena.ofAuto().allocate(4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Simd.requireWidenable(t));
        assertTrue(e.getMessage().contains("emb") && e.getMessage().contains("I8"), e.getMessage());
    }

    @Test
    void sumAddsLanesInOrder() {
        // 1e8 + 1 - 1e8 + ... differs from any other order: in-order gives exactly the sequential float sum.
        float[] v = new float[Simd.FLOAT.length()];
        v[0] = 1e8f;
        v[1] = 3;
        v[2] = -1e8f;
        v[3] = 1;
        float sequential = 0;
        for (float f : v) {
            sequential += f;
        }
        // stored as the second of two vectors, after one of NaNs: the sum reads only its own lanes
        float[] lanes = Simd.lanes(2);
        Arrays.fill(lanes, Float.NaN);
        FloatVector.fromArray(Simd.FLOAT, v, 0).intoArray(lanes, Simd.FLOAT.length());
        assertEquals(sequential, Simd.sum(lanes, Simd.FLOAT.length()));
    }

    @Test
    void dotMatchesDoubleReferenceOnOddSizes() {
        Random random = new Random(2);
        for (int n : new int[] {0, 1, 7, 33, 67, 173, 1003}) {
            float[] a = TestTensors.randomFloats(random, n + 5);
            float[] b = TestTensors.randomFloats(random, n + 2);
            double expected = 0;
            double scale = 0;
            for (int i = 0; i < n; i++) {
                expected += (double) a[5 + i] * b[2 + i];
                scale += Math.abs((double) a[5 + i] * b[2 + i]);
            }
            assertEquals(expected, Simd.dot(a, 5, b, 2, n), 1e-6 * scale + 1e-30, "n=" + n);
        }
    }
}
