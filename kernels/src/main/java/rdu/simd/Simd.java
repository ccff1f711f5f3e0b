package rdu.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import rdu.tensor.DType;
import rdu.tensor.Tensor;

/**
 * The host's SIMD unit as the kernels see it: the float vector species, loads that widen stored
 * weights (F32, BF16, F16, little-endian, any alignment) into float lanes, an in-order lane sum and
 * an array dot product.
 */
public final class Simd {

    /** Float lanes of the width forced by system property {@code rdu.vector.bits}, else the host's preferred. */
    public static final VectorSpecies<Float> FLOAT = species(System.getProperty("rdu.vector.bits"));

    /** Shorts of half FLOAT's width: one BF16 or F16 per float lane. */
    private static final VectorSpecies<Short> HALF =
            VectorSpecies.of(short.class, VectorShape.forBitSize(FLOAT.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> INT = VectorSpecies.of(int.class, FLOAT.vectorShape());

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Simd() {
    }

    static VectorSpecies<Float> species(String bits) {
        if (bits == null) {
            return FloatVector.SPECIES_PREFERRED;
        }
        return switch (bits.strip()) {
            case "128" -> FloatVector.SPECIES_128;
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException(
                    "system property rdu.vector.bits: expected 128, 256 or 512, found \"" + bits + "\"");
        };
    }

    /** FLOAT.length() F32 values starting at byte offset {@code offset}. */
    public static FloatVector loadF32(MemorySegment data, long offset) {
        return FloatVector.fromMemorySegment(FLOAT, data, offset, ByteOrder.LITTLE_ENDIAN);
    }

    /** FLOAT.length() BF16 values starting at byte offset {@code offset}: a BF16 is the top half of an F32. */
    public static FloatVector loadBf16(MemorySegment data, long offset) {
        return ShortVector.fromMemorySegment(HALF, data, offset, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, INT, 0)
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    /**
     * FLOAT.length() F16 values starting at byte offset {@code offset}. Moving the 15 exponent+mantissa bits
     * to F32 position and scaling by 2^112 rebiases the exponent and handles subnormals exactly; only
     * infinities and NaNs (exponent all ones) need their exponent set by hand.
     */
    public static FloatVector loadF16(MemorySegment data, long offset) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(HALF, data, offset, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, INT, 0);
        IntVector magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
        IntVector finite = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        IntVector bits = finite.blend(magnitude.or(0x7f80_0000), h.and(0x7c00).eq(0x7c00));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** FLOAT.length() elements of {@code dtype} starting at element {@code index}. */
    public static FloatVector load(DType dtype, MemorySegment data, long index) {
        long offset = index * dtype.bytes();
        return switch (dtype) {
            case F32 -> loadF32(data, offset);
            case BF16 -> loadBf16(data, offset);
            case F16 -> loadF16(data, offset);
            default -> throw unsupported(dtype);
        };
    }

    /** Element {@code index} of {@code dtype} as a float. */
    public static float get(DType dtype, MemorySegment data, long index) {
        long offset = index * dtype.bytes();
        return switch (dtype) {
            case F32 -> data.get(F32_LE, offset);
            case BF16 -> Float.intBitsToFloat(data.get(I16_LE, offset) << 16);
            case F16 -> Float.float16ToFloat(data.get(I16_LE, offset));
            default -> throw unsupported(dtype);
        };
    }

    /** Rejects, naming the tensor, a dtype the loads above cannot widen. */
    public static void requireWidenable(Tensor t) {
        if (t.dtype() != DType.F32 && t.dtype() != DType.BF16 && t.dtype() != DType.F16) {
            throw new IllegalArgumentException("tensor " + t + ": dtype " + t.dtype() + " not supported (expected F32, BF16 or F16)");
        }
    }

    /**
     * Sum in lane order of the FLOAT.length() lanes a vector stored at lanes[offset...] ({@code intoArray}). Unlike
     * reduceLanes, whose order the API leaves open, this gives the same bits in the interpreter, in compiled code and
     * on every host, so a dot product never depends on which path or batch computed it. Callers store their vectors
     * themselves and pass the array: a vector handed to a method the JIT does not inline is boxed, an object and an
     * array per call (a 4x4 matrix tile's sixteen sums allocated 2 GB/s in prefill once the JIT stopped inlining the
     * method they were passed to), and a buffer reused for many vectors, as the JIT does not scalar-replace a
     * vector's toArray() (a new array per matrix row made decode allocate ~7 MB per token).
     */
    public static float sum(float[] lanes, int offset) {
        float s = 0;
        for (int i = 0; i < FLOAT.length(); i++) {
            s += lanes[offset + i];
        }
        return s;
    }

    /** A buffer for {@link #sum(float[], int)}: room for {@code vectors} vectors' lanes. */
    public static float[] lanes(int vectors) {
        return new float[vectors * FLOAT.length()];
    }

    /** Dot product of a[aOffset..aOffset+n) and b[bOffset..bOffset+n), four accumulators to hide FMA latency. */
    public static float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        return dot(a, aOffset, b, bOffset, n, lanes(1));
    }

    /**
     * As {@link #dot(float[], int, float[], int, int)}, summing lanes in {@code lanes} (see {@link #sum}). Attention's
     * scores repeat these operations, in this order, over many positions at once (Attention.scores).
     */
    public static float dot(float[] a, int aOffset, float[] b, int bOffset, int n, float[] lanes) {
        int step = FLOAT.length();
        int i = 0;
        float s = 0;
        if (n < step) {
            // shorter than one register (small heads): a plain loop, no vector set-up and no lane sum of zeros
            for (; i < n; i++) {
                s += a[aOffset + i] * b[bOffset + i];
            }
            return s;
        }
        FloatVector s0 = FloatVector.zero(FLOAT);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        for (int unrolled = n - n % (4 * step); i < unrolled; i += 4 * step) {
            s0 = FloatVector.fromArray(FLOAT, a, aOffset + i).fma(FloatVector.fromArray(FLOAT, b, bOffset + i), s0);
            s1 = FloatVector.fromArray(FLOAT, a, aOffset + i + step)
                    .fma(FloatVector.fromArray(FLOAT, b, bOffset + i + step), s1);
            s2 = FloatVector.fromArray(FLOAT, a, aOffset + i + 2 * step)
                    .fma(FloatVector.fromArray(FLOAT, b, bOffset + i + 2 * step), s2);
            s3 = FloatVector.fromArray(FLOAT, a, aOffset + i + 3 * step)
                    .fma(FloatVector.fromArray(FLOAT, b, bOffset + i + 3 * step), s3);
        }
        for (int bound = FLOAT.loopBound(n); i < bound; i += step) {
            s0 = FloatVector.fromArray(FLOAT, a, aOffset + i).fma(FloatVector.fromArray(FLOAT, b, bOffset + i), s0);
        }
        s0.add(s1).add(s2.add(s3)).intoArray(lanes, 0); // one vector store; lane(i) with a variable i costs a shuffle
        s = sum(lanes, 0);
        for (; i < n; i++) {
            s += a[aOffset + i] * b[bOffset + i];
        }
        return s;
    }

    private static IllegalArgumentException unsupported(DType dtype) {
        return new IllegalArgumentException("dtype " + dtype + " cannot be widened to float (expected F32, BF16 or F16)");
    }
}
