package rdu.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named, typed, shaped view of bytes that live elsewhere (usually a memory-mapped checkpoint).
 * Row-major, little-endian, as in safetensors and llama2.c files. The record never copies data.
 * A tensor made by {@link #describe} has a shape but no data: timing-only runs place and cost such tensors
 * for models far too large to load, and any kernel that tries to read one fails its bounds check.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data) {

    public Tensor {
        shape = shape.clone();
        long expected = Math.multiplyExact(elementCount(shape), dtype.bytes());
        if (data.byteSize() != expected && !data.equals(MemorySegment.NULL)) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + expected + " bytes, data has " + data.byteSize());
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    public long elementCount() {
        return elementCount(shape);
    }

    /** Bytes of the tensor's elements (whether or not its data is present). */
    public long byteSize() {
        return elementCount() * dtype.bytes();
    }

    /** A tensor with a shape and no data, for timing-only runs. */
    public static Tensor describe(String name, DType dtype, long... shape) {
        return new Tensor(name, dtype, shape, MemorySegment.NULL);
    }

    public boolean hasData() {
        return !data.equals(MemorySegment.NULL) || byteSize() == 0;
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The same bytes under another name and shape with the same element count (e.g. a layer slice). */
    public Tensor reshape(String newName, long... newShape) {
        return new Tensor(newName, dtype, newShape, data);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && data.equals(t.data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
