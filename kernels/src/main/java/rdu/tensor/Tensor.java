package rdu.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named, typed, shaped view of bytes that live elsewhere (usually a memory-mapped checkpoint).
 * Row-major, little-endian, as in safetensors and llama2.c files. The record never copies data.
 * A matrix may be a column block of a wider one ({@link #columns}): its rows then lie {@code rowStride} elements
 * apart instead of {@code dim(1)}, which is how tensor parallelism gives each socket its slice of o_proj and down_proj.
 * A tensor made by {@link #describe} has a shape but no data: timing-only runs place and cost such tensors
 * for models far too large to load, and any kernel that tries to read one fails its bounds check.
 *
 * @param rowStride elements from one row of a matrix to the next (dim(1) unless a column block)
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data, long rowStride) {

    public Tensor {
        shape = shape.clone();
        long span = shape.length == 2 && shape[0] > 0
                ? Math.addExact(Math.multiplyExact(shape[0] - 1, rowStride), shape[1]) : elementCount(shape);
        long expected = Math.multiplyExact(span, dtype.bytes());
        if (shape.length == 2 && rowStride < shape[1]) {
            throw new IllegalArgumentException("tensor " + name + ": row stride " + rowStride + " is shorter than a row ("
                    + shape[1] + ")");
        }
        if (data.byteSize() != expected && !data.equals(MemorySegment.NULL)) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + expected + " bytes, data has " + data.byteSize());
        }
    }

    /** A contiguous tensor. */
    public Tensor(String name, DType dtype, long[] shape, MemorySegment data) {
        this(name, dtype, shape, data, shape.length == 0 ? 1 : shape[shape.length - 1]);
    }

    /** Rows [start, start + count) of a matrix: a contiguous view. */
    public Tensor rows(String newName, long start, long count) {
        requireMatrix();
        long wb = dtype.bytes();
        MemorySegment view = hasData() && count > 0
                ? data.asSlice(start * rowStride * wb, ((count - 1) * rowStride + shape[1]) * wb) : MemorySegment.NULL;
        return new Tensor(newName, dtype, new long[] {count, shape[1]}, view, rowStride);
    }

    /** Columns [start, start + count) of a matrix: a strided view, rows still {@link #rowStride} apart. */
    public Tensor columns(String newName, long start, long count) {
        requireMatrix();
        long wb = dtype.bytes();
        MemorySegment view = hasData() && shape[0] > 0
                ? data.asSlice(start * wb, ((shape[0] - 1) * rowStride + count) * wb) : MemorySegment.NULL;
        return new Tensor(newName, dtype, new long[] {shape[0], count}, view, rowStride);
    }

    /** Elements [start, start + count) of a vector: a contiguous view (a bias's part of a fused projection). */
    public Tensor elements(String newName, long start, long count) {
        if (shape.length != 1 || start < 0 || count < 0 || start + count > shape[0]) {
            throw new IllegalArgumentException("tensor " + name + ": elements [" + start + ", " + (start + count)
                    + ") of a vector, found shape " + Arrays.toString(shape));
        }
        long wb = dtype.bytes();
        MemorySegment view = hasData() && count > 0 ? data.asSlice(start * wb, count * wb) : MemorySegment.NULL;
        return new Tensor(newName, dtype, new long[] {count}, view);
    }

    private void requireMatrix() {
        if (shape.length != 2) {
            throw new IllegalArgumentException("tensor " + name + ": expected a matrix, found shape " + Arrays.toString(shape));
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
        if (shape.length == 2 && rowStride != shape[1]) {
            throw new IllegalArgumentException("tensor " + name + ": a column block cannot be reshaped");
        }
        return new Tensor(newName, dtype, newShape, data);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && data.equals(t.data) && rowStride == t.rowStride;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
