package rdu.matmul;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import rdu.jmh.BytesRead;
import rdu.jmh.Flops;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

/**
 * One decode matrix-vector product at the 110M llama2.c model's shapes, on the host pool as decode runs it. The
 * weights live in off-heap memory larger than the caches (several copies in turn), so each call streams from DRAM
 * like decode does; the {@code bytes} counter is weight bytes read per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MatVecBench {

    /** Enough copies of a matrix that they never all fit in the last-level cache. */
    private static final long STREAMED_BYTES = 256L << 20;
    /** Weights small enough to stay in one core's L2 cache (Zen 4: 1 MB). */
    private static final int CACHED_BYTES = 256 << 10;
    /** Positions in a prefill pass: a multiple of the pass kernel's tile of four vectors. */
    private static final int PASS_POSITIONS = 16;

    @Param({"768x768", "2048x768", "768x2048", "32000x768"})
    public String shape;

    @Param({"F32", "BF16", "F16"})
    public DType dtype;

    private Arena arena;
    private Tensor[] copies;
    /** The first rows of the first copy, few enough to stay in the core's L2 cache. */
    private Tensor cached;
    private float[] x;
    private float[] out;
    /** The vectors of a prefill pass over {@link #PASS_POSITIONS} positions, and its outputs. */
    private float[][] xs;
    private float[][] outs;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split("x");
        int rows = Integer.parseInt(parts[0]);
        int cols = Integer.parseInt(parts[1]);
        long bytes = (long) rows * cols * dtype.bytes();
        int count = (int) Math.max(1, STREAMED_BYTES / bytes);
        arena = Arena.ofShared();
        Random random = new Random(1);
        copies = new Tensor[count];
        for (int c = 0; c < count; c++) {
            MemorySegment data = arena.allocate(bytes, 64);
            for (long i = 0; i < (long) rows * cols; i++) {
                float value = (random.nextFloat() - 0.5f) * 0.04f;
                switch (dtype) {
                    case F32 -> data.setAtIndex(ValueLayout.JAVA_FLOAT, i, value);
                    case BF16 -> data.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToRawIntBits(value) >>> 16));
                    case F16 -> data.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(value));
                    default -> throw new IllegalArgumentException("MatVecBench: no " + dtype + " weights");
                }
            }
            copies[c] = new Tensor("w" + c, dtype, new long[] {rows, cols}, data);
        }
        int cachedRows = Math.min(rows, CACHED_BYTES / (cols * dtype.bytes()));
        cached = new Tensor("cached", dtype, new long[] {cachedRows, cols},
                copies[0].data().asSlice(0, (long) cachedRows * cols * dtype.bytes()));
        x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) random.nextGaussian();
        }
        out = new float[rows];
        xs = new float[PASS_POSITIONS][cols];
        outs = new float[PASS_POSITIONS][rows];
        for (float[] position : xs) {
            for (int i = 0; i < cols; i++) {
                position[i] = (float) random.nextGaussian();
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] apply(BytesRead counter) {
        Tensor w = copies[next];
        next = (next + 1) % copies.length;
        MatVec.apply(w, x, out);
        counter.bytes += w.byteSize();
        return out;
    }

    /**
     * The serial kernel on one thread over weights already in cache: the rate its instructions allow, with no
     * memory and no pool hand-off. If this is far above the streamed rate, decode waits on memory, not on the
     * widening loads.
     */
    @Benchmark
    public float[] oneThreadFromCache(BytesRead counter) {
        MatVec.rows(cached, 0, (int) cached.dim(0), new float[][] {x}, 1, new float[][] {out}, 0);
        counter.bytes += cached.byteSize();
        return out;
    }

    /**
     * A prefill pass's kernel ({@link MatVec#rowsOfPass}'s tiles) on one thread over cached weights: compute-bound, so
     * its FLOP/s against VectorPeak's says how much of the core the tiles use.
     */
    @Benchmark
    public float[][] passOneThreadFromCache(Flops counter) {
        MatVec.rows(cached, 0, (int) cached.dim(0), xs, PASS_POSITIONS, outs, 0);
        counter.flops += 2 * cached.dim(0) * cached.dim(1) * PASS_POSITIONS;
        return outs;
    }
}
