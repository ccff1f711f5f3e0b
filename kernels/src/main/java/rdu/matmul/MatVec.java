package rdu.matmul;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

import rdu.parallel.HostPool;
import rdu.simd.Simd;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

/**
 * Matrix-vector product out = W x with W [rows, cols] read straight from its stored bytes (F32, BF16 or
 * F16, widened to float as it streams) and FP32 accumulation. Decode is bound by reading W once, so the
 * kernel walks four rows at a time: four independent FMA chains hide latency, four memory streams keep
 * the prefetchers busy, and each x vector is loaded once for all four. Every row is summed in the same
 * order whatever its neighbours or chunking, so results never depend on how the rows were split.
 */
public final class MatVec {

    /** Below this many weights a matrix runs on the calling thread: handing it to the pool costs more. */
    static final long PARALLEL_ELEMENTS = 1 << 18;

    private MatVec() {
    }

    public static void apply(Tensor w, float[] x, float[] out) {
        apply(w, 0, Math.toIntExact(w.dim(0)), x, out, 0);
    }

    /** out[outOffset + i] = row (rowStart + i) of w dotted with x, for i < rowCount. */
    public static void apply(Tensor w, long rowStart, int rowCount, float[] x, float[] out, int outOffset) {
        checkMatrix(w);
        checkRows(w, rowStart, rowCount);
        checkVectors(w, x, out, outOffset, rowCount);
        if ((long) rowCount * x.length < PARALLEL_ELEMENTS) {
            rows(w, rowStart, rowCount, x, out, outOffset);
        } else {
            HostPool.parallelFor(rowCount,
                    (start, end) -> rows(w, rowStart + start, end - start, x, out, outOffset + start));
        }
    }

    private static void checkMatrix(Tensor w) {
        if (w.rank() != 2) {
            throw new IllegalArgumentException("matrix " + w + ": expected rank 2 [rows, cols], found rank " + w.rank());
        }
        Simd.requireWidenable(w);
    }

    private static void checkRows(Tensor w, long rowStart, int rowCount) {
        if (rowStart < 0 || rowCount < 0 || rowStart + rowCount > w.dim(0)) {
            throw new IllegalArgumentException("matrix " + w + ": rows [" + rowStart + ", " + (rowStart + rowCount)
                    + ") outside [0, " + w.dim(0) + ")");
        }
    }

    private static void checkVectors(Tensor w, float[] x, float[] out, int outOffset, int rowCount) {
        if (x.length != w.dim(1)) {
            throw new IllegalArgumentException("matrix " + w + ": x has length " + x.length + ", expected cols = " + w.dim(1));
        }
        if (outOffset < 0 || (long) outOffset + rowCount > out.length) {
            throw new IllegalArgumentException("matrix " + w + ": out has length " + out.length + ", needs "
                    + rowCount + " values from offset " + outOffset);
        }
    }

    /** The serial kernel, without checks: rows [firstRow, firstRow + count) into out[outOffset...]. */
    static void rows(Tensor w, long firstRow, int count, float[] x, float[] out, int outOffset) {
        // One loop per dtype: a shared loop with a dtype switch inside runs 5x slower once it has seen two dtypes.
        switch (w.dtype()) {
            case F32 -> rowsF32(w.data(), w.rowStride(), firstRow, count, x, out, outOffset);
            case BF16 -> rowsBf16(w.data(), w.rowStride(), firstRow, count, x, out, outOffset);
            case F16 -> rowsF16(w.data(), w.rowStride(), firstRow, count, x, out, outOffset);
            default -> throw new IllegalArgumentException("matrix " + w + ": dtype " + w.dtype() + " not supported");
        }
    }

    // The three loops below differ only in the load. Rows go in groups of four; in the last group the
    // missing rows repeat the final row, whose result is the same each time, so no separate tail loop.

    private static void rowsF32(MemorySegment w, long stride, long firstRow, int count, float[] x, float[] out,
                                  int outOffset) {
        int cols = x.length;
        int bound = Simd.FLOAT.loopBound(cols);
        for (int r = 0; r < count; r += 4) {
            int i1 = Math.min(r + 1, count - 1);
            int i2 = Math.min(r + 2, count - 1);
            int i3 = Math.min(r + 3, count - 1);
            long b0 = (firstRow + r) * stride;
            long b1 = (firstRow + i1) * stride;
            long b2 = (firstRow + i2) * stride;
            long b3 = (firstRow + i3) * stride;
            FloatVector s0 = FloatVector.zero(Simd.FLOAT);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            for (int i = 0; i < bound; i += Simd.FLOAT.length()) {
                FloatVector xv = FloatVector.fromArray(Simd.FLOAT, x, i);
                s0 = Simd.loadF32(w, 4 * (b0 + i)).fma(xv, s0);
                s1 = Simd.loadF32(w, 4 * (b1 + i)).fma(xv, s1);
                s2 = Simd.loadF32(w, 4 * (b2 + i)).fma(xv, s2);
                s3 = Simd.loadF32(w, 4 * (b3 + i)).fma(xv, s3);
            }
            out[outOffset + r] = finish(DType.F32, w, b0, x, s0);
            out[outOffset + i1] = finish(DType.F32, w, b1, x, s1);
            out[outOffset + i2] = finish(DType.F32, w, b2, x, s2);
            out[outOffset + i3] = finish(DType.F32, w, b3, x, s3);
        }
    }

    private static void rowsBf16(MemorySegment w, long stride, long firstRow, int count, float[] x, float[] out,
                                  int outOffset) {
        int cols = x.length;
        int bound = Simd.FLOAT.loopBound(cols);
        for (int r = 0; r < count; r += 4) {
            int i1 = Math.min(r + 1, count - 1);
            int i2 = Math.min(r + 2, count - 1);
            int i3 = Math.min(r + 3, count - 1);
            long b0 = (firstRow + r) * stride;
            long b1 = (firstRow + i1) * stride;
            long b2 = (firstRow + i2) * stride;
            long b3 = (firstRow + i3) * stride;
            FloatVector s0 = FloatVector.zero(Simd.FLOAT);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            for (int i = 0; i < bound; i += Simd.FLOAT.length()) {
                FloatVector xv = FloatVector.fromArray(Simd.FLOAT, x, i);
                s0 = Simd.loadBf16(w, 2 * (b0 + i)).fma(xv, s0);
                s1 = Simd.loadBf16(w, 2 * (b1 + i)).fma(xv, s1);
                s2 = Simd.loadBf16(w, 2 * (b2 + i)).fma(xv, s2);
                s3 = Simd.loadBf16(w, 2 * (b3 + i)).fma(xv, s3);
            }
            out[outOffset + r] = finish(DType.BF16, w, b0, x, s0);
            out[outOffset + i1] = finish(DType.BF16, w, b1, x, s1);
            out[outOffset + i2] = finish(DType.BF16, w, b2, x, s2);
            out[outOffset + i3] = finish(DType.BF16, w, b3, x, s3);
        }
    }

    private static void rowsF16(MemorySegment w, long stride, long firstRow, int count, float[] x, float[] out,
                                  int outOffset) {
        int cols = x.length;
        int bound = Simd.FLOAT.loopBound(cols);
        for (int r = 0; r < count; r += 4) {
            int i1 = Math.min(r + 1, count - 1);
            int i2 = Math.min(r + 2, count - 1);
            int i3 = Math.min(r + 3, count - 1);
            long b0 = (firstRow + r) * stride;
            long b1 = (firstRow + i1) * stride;
            long b2 = (firstRow + i2) * stride;
            long b3 = (firstRow + i3) * stride;
            FloatVector s0 = FloatVector.zero(Simd.FLOAT);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            for (int i = 0; i < bound; i += Simd.FLOAT.length()) {
                FloatVector xv = FloatVector.fromArray(Simd.FLOAT, x, i);
                s0 = Simd.loadF16(w, 2 * (b0 + i)).fma(xv, s0);
                s1 = Simd.loadF16(w, 2 * (b1 + i)).fma(xv, s1);
                s2 = Simd.loadF16(w, 2 * (b2 + i)).fma(xv, s2);
                s3 = Simd.loadF16(w, 2 * (b3 + i)).fma(xv, s3);
            }
            out[outOffset + r] = finish(DType.F16, w, b0, x, s0);
            out[outOffset + i1] = finish(DType.F16, w, b1, x, s1);
            out[outOffset + i2] = finish(DType.F16, w, b2, x, s2);
            out[outOffset + i3] = finish(DType.F16, w, b3, x, s3);
        }
    }

    /** A row's result: its lanes summed in order, then the columns past the last full vector. */
    private static float finish(DType dtype, MemorySegment w, long rowBase, float[] x, FloatVector acc) {
        float s = Simd.sum(acc);
        for (int i = Simd.FLOAT.loopBound(x.length); i < x.length; i++) {
            s += Simd.get(dtype, w, rowBase + i) * x[i];
        }
        return s;
    }
}
