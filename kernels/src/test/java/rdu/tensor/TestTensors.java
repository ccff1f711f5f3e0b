package rdu.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/** Test tensors filled with random values, stored in any float dtype, optionally at an unaligned address. */
public final class TestTensors {

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TestTensors() {
    }

    public static float[] randomFloats(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    /**
     * A tensor holding values (rounded to dtype) in an auto arena, so pool threads may read it;
     * misalignment bytes are skipped before the data to test unaligned loads.
     */
    public static Tensor of(String name, DType dtype, long[] shape, float[] values, int misalignment) {
        long bytes = (long) values.length * dtype.bytes();
        MemorySegment data = Arena.ofAuto().allocate(bytes + misalignment, 64).asSlice(misalignment, bytes);
        for (int i = 0; i < values.length; i++) {
            long offset = (long) i * dtype.bytes();
            switch (dtype) {
                case F32 -> data.set(F32_LE, offset, values[i]);
                case F16 -> data.set(I16_LE, offset, Float.floatToFloat16(values[i]));
                case BF16 -> data.set(I16_LE, offset, toBf16(values[i]));
                default -> throw new IllegalArgumentException("test tensors hold floats only, not " + dtype);
            }
        }
        return new Tensor(name, dtype, shape, data);
    }

    /** The stored values widened back to float: what a kernel must compute with. */
    public static float[] values(Tensor t) {
        float[] v = new float[Math.toIntExact(t.elementCount())];
        for (int i = 0; i < v.length; i++) {
            long offset = (long) i * t.dtype().bytes();
            v[i] = switch (t.dtype()) {
                case F32 -> t.data().get(F32_LE, offset);
                case F16 -> Float.float16ToFloat(t.data().get(I16_LE, offset));
                case BF16 -> Float.intBitsToFloat((t.data().get(I16_LE, offset) & 0xffff) << 16);
                default -> throw new IllegalArgumentException("test tensors hold floats only, not " + t.dtype());
            };
        }
        return v;
    }

    /** Round to nearest even, as PyTorch converts to bfloat16. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }
}
