package rdu.matmul;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

import rdu.parallel.HostPool;
import rdu.simd.Simd;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

/**
 * Matrix-vector product out = W x with W [rows, cols] read straight from its stored bytes (F32, BF16 or
 * F16, widened to float as it streams) and FP32 accumulation. Decode is bound by reading W once. F32 rows go four
 * at a time: four independent FMA chains hide latency and each x vector is loaded once for all four. BF16 and F16
 * rows go two at a time, one from each half of the thread's rows, so that each of the two chains is its own
 * sequential stream through memory: one row at a time is a single FMA chain per row, whose latency the core hides
 * only in part (one core from cache: 43 GB/s, where a C loop reaches 60), and two neighbouring rows read side by side
 * streamed at half the speed from memory on this host (C and Java alike; two rows a half apart did not). Decode of
 * the 110M model in BF16, interleaved with the one-row kernel: faster in 10 of 11 rounds, by up to 18%. Four
 * F16 rows, whose widening takes a dozen vector operations each, outgrew what C2 inlines and boxed every load (164 MB
 * allocated per token, 5x slower); two do not. Every row is summed in the same order whatever its neighbours or
 * chunking, so results never depend on how the rows were split or paired.
 * <p>
 * A pass over several positions multiplies the same W by n vectors: each group of four rows is read from memory once,
 * widened, and dotted with every vector while it sits in cache. Each (row, vector) result is computed exactly as for
 * that vector alone, so a pass gives the same bits as n single products.
 */
public final class MatVec {

    /** Below this many weight-times-vector products a call runs on the calling thread: the pool costs more. */
    static final long PARALLEL_ELEMENTS = 1 << 18;
    /**
     * BF16 and F16 rows whose lane sums are done together, after all their products: a lane sum is a chain of
     * dependent adds nearly as long as a 768-column row's chain of FMAs, and the sums of different rows overlap where
     * a sum between two rows' products did not (isolated products of the 110M model, 2 threads: 3.7 vs 4.0 ms).
     */
    static final int SUMMED_TOGETHER = 16;
    /**
     * Each thread's room for the lanes of SUMMED_TOGETHER accumulators, reused by every call: a new kilobyte per
     * call and thread was 170 KB of the 110M model's allocation per token.
     */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> Simd.lanes(SUMMED_TOGETHER));
    /** BF16 and F16 rows go in pairs, one from each half of the rows: SUMMED_TOGETHER rows are this many pairs. */
    private static final int PAIRS_SUMMED_TOGETHER = SUMMED_TOGETHER / 2;

    /**
     * Whether the tile's lane sums go sixteen at once, and the index vectors of its transposition, stage b: LOW_b
     * takes lane l of the first vector where bit b of l is clear, else lane l - b of the second (index 16 + l - b);
     * HIGH_b takes lane l + b of the first where it is clear, else lane l of the second. Null for other widths.
     */
    private static final boolean SIXTEEN_LANES = Simd.FLOAT.length() == 16;
    private static final FloatVector LOW_1 = stage(1, true), HIGH_1 = stage(1, false);
    private static final FloatVector LOW_2 = stage(2, true), HIGH_2 = stage(2, false);
    private static final FloatVector LOW_4 = stage(4, true), HIGH_4 = stage(4, false);
    private static final FloatVector LOW_8 = stage(8, true), HIGH_8 = stage(8, false);

    private MatVec() {
    }

    public static void apply(Tensor w, float[] x, float[] out) {
        apply(w, 0, Math.toIntExact(w.dim(0)), x, out, 0);
    }

    /** out[outOffset + i] = row (rowStart + i) of w dotted with x, for i < rowCount. */
    public static void apply(Tensor w, long rowStart, int rowCount, float[] x, float[] out, int outOffset) {
        checkMatrix(w);
        checkRows(w, rowStart, rowCount);
        checkVectors(w, x, out, outOffset, rowCount, -1);
        run(w, rowStart, rowCount, new float[][] {x}, 1, new float[][] {out}, outOffset);
    }

    /**
     * out[j] = w x[j] for j < n, reading w once for all n vectors: x[j] has length cols, out[j] at least rows.
     * out[j] holds the same bits as {@code apply(w, x[j], out[j])}.
     */
    public static void apply(Tensor w, float[][] x, int n, float[][] out) {
        checkMatrix(w);
        if (n < 1 || n > x.length || n > out.length) {
            throw new IllegalArgumentException("matrix " + w + ": " + n + " vectors asked for, expected 1 to "
                    + Math.min(x.length, out.length) + " (x has " + x.length + " rows, out " + out.length + ")");
        }
        int rows = Math.toIntExact(w.dim(0));
        for (int j = 0; j < n; j++) {
            checkVectors(w, x[j], out[j], 0, rows, j);
        }
        run(w, 0, rows, x, n, out, 0);
    }

    /** The checked product, on the calling thread when small, else split by rows over the host pool. */
    private static void run(Tensor w, long rowStart, int rowCount, float[][] x, int n, float[][] out, int outOffset) {
        if ((long) rowCount * x[0].length * n < PARALLEL_ELEMENTS) {
            rows(w, rowStart, rowCount, x, n, out, outOffset);
        } else {
            HostPool.parallelFor(rowCount,
                    (start, end) -> rows(w, rowStart + start, end - start, x, n, out, outOffset + start));
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

    /** {@code index} is the vector's place in a pass, named in messages as x[index], or -1 for a single vector. */
    private static void checkVectors(Tensor w, float[] x, float[] out, int outOffset, int rowCount, int index) {
        if (x.length != w.dim(1)) {
            throw new IllegalArgumentException("matrix " + w + ": x" + at(index) + " has length " + x.length
                    + ", expected cols = " + w.dim(1));
        }
        if (outOffset < 0 || (long) outOffset + rowCount > out.length) {
            throw new IllegalArgumentException("matrix " + w + ": out" + at(index) + " has length " + out.length
                    + ", needs " + rowCount + " values from offset " + outOffset);
        }
    }

    private static String at(int index) {
        return index < 0 ? "" : "[" + index + "]";
    }

    /** The serial kernel, without checks: rows [firstRow, firstRow + count) times x[0..n) into out[j][outOffset...]. */
    static void rows(Tensor w, long firstRow, int count, float[][] x, int n, float[][] out, int outOffset) {
        if (n > 1) {
            rowsOfPass(w, firstRow, count, x, n, out, outOffset);
            return;
        }
        // One loop per dtype: a shared loop with a dtype switch inside runs 5x slower once it has seen two dtypes.
        switch (w.dtype()) {
            case F32 -> rowsF32(w.data(), w.rowStride(), firstRow, count, x[0], out[0], outOffset);
            case BF16, F16 -> rowsInPairs(w.dtype(), w.data(), w.rowStride(), firstRow, count, x[0], out[0], outOffset);
            default -> throw new IllegalArgumentException("matrix " + w + ": dtype " + w.dtype() + " not supported");
        }
    }

    // F32 rows go in groups of four; in the last group the missing rows repeat the final row, whose result is the
    // same each time, so no separate tail loop. BF16 and F16 rows go in pairs (see the class comment), their lane
    // sums SUMMED_TOGETHER rows at a time. A chain starts from zero for each row. Accumulators are stored into lanes
    // here, not passed on: a vector passed to a call is boxed (Simd.sum).

    private static void rowsF32(MemorySegment w, long stride, long firstRow, int count, float[] x, float[] out,
                                int outOffset) {
        int bound = Simd.FLOAT.loopBound(x.length);
        int step = Simd.FLOAT.length();
        float[] lanes = LANES.get();
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
            for (int i = 0; i < bound; i += step) {
                FloatVector xv = FloatVector.fromArray(Simd.FLOAT, x, i);
                s0 = Simd.loadF32(w, 4 * (b0 + i)).fma(xv, s0);
                s1 = Simd.loadF32(w, 4 * (b1 + i)).fma(xv, s1);
                s2 = Simd.loadF32(w, 4 * (b2 + i)).fma(xv, s2);
                s3 = Simd.loadF32(w, 4 * (b3 + i)).fma(xv, s3);
            }
            s0.intoArray(lanes, 0);
            s1.intoArray(lanes, step);
            s2.intoArray(lanes, 2 * step);
            s3.intoArray(lanes, 3 * step);
            out[outOffset + r] = finish(DType.F32, w, b0, x, lanes, 0);
            out[outOffset + i1] = finish(DType.F32, w, b1, x, lanes, step);
            out[outOffset + i2] = finish(DType.F32, w, b2, x, lanes, 2 * step);
            out[outOffset + i3] = finish(DType.F32, w, b3, x, lanes, 3 * step);
        }
    }

    /** BF16 or F16 rows in pairs (see the class comment): the first half's row p with the second half's row p. */
    private static void rowsInPairs(DType dtype, MemorySegment w, long stride, long firstRow, int count, float[] x,
                                    float[] out, int outOffset) {
        int step = Simd.FLOAT.length();
        float[] lanes = LANES.get();
        int half = (count + 1) / 2;
        for (int block = 0; block < half; block += PAIRS_SUMMED_TOGETHER) {
            int pairs = Math.min(PAIRS_SUMMED_TOGETHER, half - block);
            for (int p = 0; p < pairs; p++) {
                long a = (firstRow + block + p) * stride;
                long b = (firstRow + secondOfPair(block + p, half, count)) * stride;
                // one loop per dtype, as everywhere here; the switch is once per pair, outside the loops
                if (dtype == DType.BF16) {
                    pairBf16(w, a, b, x, lanes, 2 * p * step);
                } else {
                    pairF16(w, a, b, x, lanes, 2 * p * step);
                }
            }
            for (int p = 0; p < pairs; p++) {
                int first = block + p;
                int second = secondOfPair(first, half, count);
                out[outOffset + first] = finish(dtype, w, (firstRow + first) * stride, x, lanes, 2 * p * step);
                out[outOffset + second] = finish(dtype, w, (firstRow + second) * stride, x, lanes, (2 * p + 1) * step);
            }
        }
    }

    /**
     * The row paired with row {@code first} of the first half (rows [0, half)): the same place in the second half,
     * or, for an odd count, the first half's last row itself, computed twice (the same bits both times).
     */
    private static int secondOfPair(int first, int half, int count) {
        return first + half < count ? first + half : first;
    }

    /** The BF16 rows at elements a and b times x: row a's accumulator into lanes[at...], row b's into the next room. */
    private static void pairBf16(MemorySegment w, long a, long b, float[] x, float[] lanes, int at) {
        FloatVector accA = FloatVector.zero(Simd.FLOAT);
        FloatVector accB = accA;
        for (int i = 0, bound = Simd.FLOAT.loopBound(x.length); i < bound; i += Simd.FLOAT.length()) {
            FloatVector xv = FloatVector.fromArray(Simd.FLOAT, x, i);
            accA = Simd.loadBf16(w, 2 * (a + i)).fma(xv, accA);
            accB = Simd.loadBf16(w, 2 * (b + i)).fma(xv, accB);
        }
        accA.intoArray(lanes, at);
        accB.intoArray(lanes, at + Simd.FLOAT.length());
    }

    /** {@link #pairBf16} for F16 rows. */
    private static void pairF16(MemorySegment w, long a, long b, float[] x, float[] lanes, int at) {
        FloatVector accA = FloatVector.zero(Simd.FLOAT);
        FloatVector accB = accA;
        for (int i = 0, bound = Simd.FLOAT.loopBound(x.length); i < bound; i += Simd.FLOAT.length()) {
            FloatVector xv = FloatVector.fromArray(Simd.FLOAT, x, i);
            accA = Simd.loadF16(w, 2 * (a + i)).fma(xv, accA);
            accB = Simd.loadF16(w, 2 * (b + i)).fma(xv, accB);
        }
        accA.intoArray(lanes, at);
        accB.intoArray(lanes, at + Simd.FLOAT.length());
    }

    /**
     * A pass over many vectors is bound by arithmetic, not by memory: each group of four rows is widened to floats
     * once, into a block that stays in the L1 cache, and multiplied by four vectors at a time, so that each weight
     * load serves four FMAs and each vector load four more (the one-vector loop needs a load per FMA, and BF16 or
     * F16 a widening too). Each (row, vector) accumulator meets the same FMAs in the same order as in the
     * one-vector loops, and ends the same way, so the bits are the same. Missing rows and vectors of the last
     * tiles repeat the final one, as there: two or three vectors fill a tile and still read the weights once.
     */
    private static void rowsOfPass(Tensor w, long firstRow, int count, float[][] x, int n, float[][] out,
                                   int outOffset) {
        int cols = x[0].length;
        float[] block = new float[4 * cols];
        float[] lanes = Simd.lanes(16);
        int[] rows = new int[4];
        for (int r = 0; r < count; r += 4) {
            for (int k = 0; k < 4; k++) {
                rows[k] = outOffset + Math.min(r + k, count - 1);
                widen(w, firstRow + Math.min(r + k, count - 1), block, k * cols);
            }
            for (int j = 0; j < n; j += 4) {
                tile(block, cols, x[j], x[Math.min(j + 1, n - 1)], x[Math.min(j + 2, n - 1)],
                        x[Math.min(j + 3, n - 1)], lanes, rows, out[j], out[Math.min(j + 1, n - 1)],
                        out[Math.min(j + 2, n - 1)], out[Math.min(j + 3, n - 1)]);
            }
            // outside the tile: with these columns inside, its loop shuffled accumulators between registers and the
            // sixteen-lane tile ran no faster than with scalar sums
            if (Simd.FLOAT.loopBound(cols) < cols) {
                addColumnsPastTheVectors(block, cols, Math.min(4, count - r), outOffset + r, x, n, out);
            }
        }
    }

    /** Row {@code row} of w as floats into {@code into} from {@code offset}: exact, as every dtype here widens. */
    private static void widen(Tensor w, long row, float[] into, int offset) {
        MemorySegment data = w.data();
        long base = row * w.rowStride();
        int cols = Math.toIntExact(w.dim(1));
        int bound = Simd.FLOAT.loopBound(cols);
        int step = Simd.FLOAT.length();
        // one loop per dtype, as in the kernels above
        switch (w.dtype()) {
            case F32 -> {
                for (int i = 0; i < bound; i += step) {
                    Simd.loadF32(data, 4 * (base + i)).intoArray(into, offset + i);
                }
            }
            case BF16 -> {
                for (int i = 0; i < bound; i += step) {
                    Simd.loadBf16(data, 2 * (base + i)).intoArray(into, offset + i);
                }
            }
            case F16 -> {
                for (int i = 0; i < bound; i += step) {
                    Simd.loadF16(data, 2 * (base + i)).intoArray(into, offset + i);
                }
            }
            default -> throw new IllegalArgumentException("matrix " + w + ": dtype " + w.dtype() + " not supported");
        }
        for (int i = bound; i < cols; i++) {
            into[offset + i] = Simd.get(w.dtype(), data, base + i);
        }
    }

    /**
     * Four rows of {@code block} (at 0, cols, 2 cols, 3 cols) times four vectors: sixteen accumulators, a{row}{vector},
     * held in registers. Their lane sums go to out{vector}[rows[row]]; the caller adds the columns past the vectors.
     * <p>
     * Each accumulator's lanes are summed in lane order, as Simd.sum sums them. Sixteen-lane vectors (AVX-512, where
     * a permute of two vectors is one instruction) are first transposed, so that vector l holds lane l of each
     * accumulator, and adding them one after the other from zero gives in lane k exactly the scalar sum of accumulator
     * k. The sixteen scalar sums of sixteen lanes they replace, each a chain of dependent adds read back from stored
     * vectors, took about a sixth of a 768-column pass's time (one core: 113 vs 128 GFLOP/s; two cores, 256 vectors:
     * 203 vs 245). Narrower vectors are stored and summed lane by lane.
     */
    private static void tile(float[] block, int cols, float[] x0, float[] x1, float[] x2, float[] x3, float[] lanes,
                             int[] rows, float[] out0, float[] out1, float[] out2, float[] out3) {
        int bound = Simd.FLOAT.loopBound(cols);
        int step = Simd.FLOAT.length();
        FloatVector a00 = FloatVector.zero(Simd.FLOAT);
        FloatVector a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int i = 0; i < bound; i += step) {
            FloatVector w0 = FloatVector.fromArray(Simd.FLOAT, block, i);
            FloatVector w1 = FloatVector.fromArray(Simd.FLOAT, block, cols + i);
            FloatVector w2 = FloatVector.fromArray(Simd.FLOAT, block, 2 * cols + i);
            FloatVector w3 = FloatVector.fromArray(Simd.FLOAT, block, 3 * cols + i);
            FloatVector v = FloatVector.fromArray(Simd.FLOAT, x0, i);
            a00 = w0.fma(v, a00);
            a10 = w1.fma(v, a10);
            a20 = w2.fma(v, a20);
            a30 = w3.fma(v, a30);
            v = FloatVector.fromArray(Simd.FLOAT, x1, i);
            a01 = w0.fma(v, a01);
            a11 = w1.fma(v, a11);
            a21 = w2.fma(v, a21);
            a31 = w3.fma(v, a31);
            v = FloatVector.fromArray(Simd.FLOAT, x2, i);
            a02 = w0.fma(v, a02);
            a12 = w1.fma(v, a12);
            a22 = w2.fma(v, a22);
            a32 = w3.fma(v, a32);
            v = FloatVector.fromArray(Simd.FLOAT, x3, i);
            a03 = w0.fma(v, a03);
            a13 = w1.fma(v, a13);
            a23 = w2.fma(v, a23);
            a33 = w3.fma(v, a33);
        }
        if (SIXTEEN_LANES) {
            // accumulator k is a{k % 4}{k / 4}, as they are summed below; stage b swaps lanes between accumulators k
            // and k + b: the off-diagonal b x b blocks of each 2b x 2b block of the 16 x 16 matrix of their lanes
            FloatVector t;
            t = LOW_8.selectFrom(a00, a02); a02 = HIGH_8.selectFrom(a00, a02); a00 = t;
            t = LOW_8.selectFrom(a10, a12); a12 = HIGH_8.selectFrom(a10, a12); a10 = t;
            t = LOW_8.selectFrom(a20, a22); a22 = HIGH_8.selectFrom(a20, a22); a20 = t;
            t = LOW_8.selectFrom(a30, a32); a32 = HIGH_8.selectFrom(a30, a32); a30 = t;
            t = LOW_8.selectFrom(a01, a03); a03 = HIGH_8.selectFrom(a01, a03); a01 = t;
            t = LOW_8.selectFrom(a11, a13); a13 = HIGH_8.selectFrom(a11, a13); a11 = t;
            t = LOW_8.selectFrom(a21, a23); a23 = HIGH_8.selectFrom(a21, a23); a21 = t;
            t = LOW_8.selectFrom(a31, a33); a33 = HIGH_8.selectFrom(a31, a33); a31 = t;
            t = LOW_4.selectFrom(a00, a01); a01 = HIGH_4.selectFrom(a00, a01); a00 = t;
            t = LOW_4.selectFrom(a10, a11); a11 = HIGH_4.selectFrom(a10, a11); a10 = t;
            t = LOW_4.selectFrom(a20, a21); a21 = HIGH_4.selectFrom(a20, a21); a20 = t;
            t = LOW_4.selectFrom(a30, a31); a31 = HIGH_4.selectFrom(a30, a31); a30 = t;
            t = LOW_4.selectFrom(a02, a03); a03 = HIGH_4.selectFrom(a02, a03); a02 = t;
            t = LOW_4.selectFrom(a12, a13); a13 = HIGH_4.selectFrom(a12, a13); a12 = t;
            t = LOW_4.selectFrom(a22, a23); a23 = HIGH_4.selectFrom(a22, a23); a22 = t;
            t = LOW_4.selectFrom(a32, a33); a33 = HIGH_4.selectFrom(a32, a33); a32 = t;
            t = LOW_2.selectFrom(a00, a20); a20 = HIGH_2.selectFrom(a00, a20); a00 = t;
            t = LOW_2.selectFrom(a10, a30); a30 = HIGH_2.selectFrom(a10, a30); a10 = t;
            t = LOW_2.selectFrom(a01, a21); a21 = HIGH_2.selectFrom(a01, a21); a01 = t;
            t = LOW_2.selectFrom(a11, a31); a31 = HIGH_2.selectFrom(a11, a31); a11 = t;
            t = LOW_2.selectFrom(a02, a22); a22 = HIGH_2.selectFrom(a02, a22); a02 = t;
            t = LOW_2.selectFrom(a12, a32); a32 = HIGH_2.selectFrom(a12, a32); a12 = t;
            t = LOW_2.selectFrom(a03, a23); a23 = HIGH_2.selectFrom(a03, a23); a03 = t;
            t = LOW_2.selectFrom(a13, a33); a33 = HIGH_2.selectFrom(a13, a33); a13 = t;
            t = LOW_1.selectFrom(a00, a10); a10 = HIGH_1.selectFrom(a00, a10); a00 = t;
            t = LOW_1.selectFrom(a20, a30); a30 = HIGH_1.selectFrom(a20, a30); a20 = t;
            t = LOW_1.selectFrom(a01, a11); a11 = HIGH_1.selectFrom(a01, a11); a01 = t;
            t = LOW_1.selectFrom(a21, a31); a31 = HIGH_1.selectFrom(a21, a31); a21 = t;
            t = LOW_1.selectFrom(a02, a12); a12 = HIGH_1.selectFrom(a02, a12); a02 = t;
            t = LOW_1.selectFrom(a22, a32); a32 = HIGH_1.selectFrom(a22, a32); a22 = t;
            t = LOW_1.selectFrom(a03, a13); a13 = HIGH_1.selectFrom(a03, a13); a03 = t;
            t = LOW_1.selectFrom(a23, a33); a33 = HIGH_1.selectFrom(a23, a33); a23 = t;
            FloatVector.zero(Simd.FLOAT).add(a00).add(a10).add(a20).add(a30).add(a01).add(a11).add(a21).add(a31)
                    .add(a02).add(a12).add(a22).add(a32).add(a03).add(a13).add(a23).add(a33).intoArray(lanes, 0);
        } else {
            a00.intoArray(lanes, 0);
            a10.intoArray(lanes, step);
            a20.intoArray(lanes, 2 * step);
            a30.intoArray(lanes, 3 * step);
            a01.intoArray(lanes, 4 * step);
            a11.intoArray(lanes, 5 * step);
            a21.intoArray(lanes, 6 * step);
            a31.intoArray(lanes, 7 * step);
            a02.intoArray(lanes, 8 * step);
            a12.intoArray(lanes, 9 * step);
            a22.intoArray(lanes, 10 * step);
            a32.intoArray(lanes, 11 * step);
            a03.intoArray(lanes, 12 * step);
            a13.intoArray(lanes, 13 * step);
            a23.intoArray(lanes, 14 * step);
            a33.intoArray(lanes, 15 * step);
            // sum k replaces lane k, a lane of accumulator k / step, whose sum has been taken by then
            for (int k = 0; k < 16; k++) {
                lanes[k] = Simd.sum(lanes, k * step);
            }
        }
        out0[rows[0]] = lanes[0];
        out0[rows[1]] = lanes[1];
        out0[rows[2]] = lanes[2];
        out0[rows[3]] = lanes[3];
        out1[rows[0]] = lanes[4];
        out1[rows[1]] = lanes[5];
        out1[rows[2]] = lanes[6];
        out1[rows[3]] = lanes[7];
        out2[rows[0]] = lanes[8];
        out2[rows[1]] = lanes[9];
        out2[rows[2]] = lanes[10];
        out2[rows[3]] = lanes[11];
        out3[rows[0]] = lanes[12];
        out3[rows[1]] = lanes[13];
        out3[rows[2]] = lanes[14];
        out3[rows[3]] = lanes[15];
    }

    private static FloatVector stage(int b, boolean low) {
        if (!SIXTEEN_LANES) {
            return null;
        }
        float[] indexes = new float[16];
        for (int l = 0; l < 16; l++) {
            boolean first = (l & b) == 0;
            indexes[l] = low ? (first ? l : 16 + l - b) : (first ? l + b : 16 + l);
        }
        return FloatVector.fromArray(Simd.FLOAT, indexes, 0);
    }

    /**
     * The columns past the last whole vector, added in order to the lane sums the tiles stored, as the finish below
     * adds them: each of the block's {@code rows} rows (at k * cols) times each of the n vectors.
     */
    private static void addColumnsPastTheVectors(float[] block, int cols, int rows, int firstOut, float[][] x, int n,
                                                 float[][] out) {
        for (int k = 0; k < rows; k++) {
            for (int j = 0; j < n; j++) {
                float s = out[j][firstOut + k];
                for (int i = Simd.FLOAT.loopBound(cols); i < cols; i++) {
                    s += block[k * cols + i] * x[j][i];
                }
                out[j][firstOut + k] = s;
            }
        }
    }

    /** A row's result: its accumulator's lanes, stored at lanesOffset, summed in order; then the columns past them. */
    private static float finish(DType dtype, MemorySegment w, long rowBase, float[] x, float[] lanes, int lanesOffset) {
        float s = Simd.sum(lanes, lanesOffset);
        for (int i = Simd.FLOAT.loopBound(x.length); i < x.length; i++) {
            s += Simd.get(dtype, w, rowBase + i) * x[i];
        }
        return s;
    }
}
