package rdu.matmul;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import rdu.jmh.BytesRead;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

/**
 * Every matrix-vector product of one decode step of the 110M llama2.c model (dim 768, hidden 2048, 12 layers, 32000
 * vocabulary): per layer wq, wk, wv, wo, w1, w3, w2, then the classifier, in that order, from one region of
 * {@code dtype} weights (219 MB in BF16) on the host pool. Decode's tokens/s over these bytes is bounded by this
 * figure: the gap between the two is the rest of the step (attention, norms, hand-offs between operators).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TokenProductsBench {

    private static final int DIM = 768;
    private static final int HIDDEN = 2048;
    private static final int LAYERS = 12;
    private static final int VOCABULARY = 32000;

    @Param({"F32", "BF16"})
    public DType dtype;

    private Arena arena;
    private final List<Tensor> matrices = new ArrayList<>();
    private long bytes;
    private float[] x;
    private float[] hidden;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        List<int[]> shapes = new ArrayList<>();
        for (int layer = 0; layer < LAYERS; layer++) {
            for (int i = 0; i < 4; i++) {
                shapes.add(new int[] {DIM, DIM});
            }
            shapes.add(new int[] {HIDDEN, DIM});
            shapes.add(new int[] {HIDDEN, DIM});
            shapes.add(new int[] {DIM, HIDDEN});
        }
        shapes.add(new int[] {VOCABULARY, DIM});
        for (int[] shape : shapes) {
            bytes += (long) shape[0] * shape[1] * dtype.bytes();
        }
        arena = Arena.ofShared();
        MemorySegment all = arena.allocate(bytes, 64);
        Random random = new Random(1);
        for (long i = 0; i < bytes / dtype.bytes(); i++) {
            float value = (random.nextFloat() - 0.5f) * 0.04f;
            switch (dtype) {
                case F32 -> all.setAtIndex(ValueLayout.JAVA_FLOAT, i, value);
                case BF16 -> all.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToRawIntBits(value) >>> 16));
                default -> throw new IllegalArgumentException("TokenProductsBench: no " + dtype + " weights");
            }
        }
        long offset = 0;
        for (int[] shape : shapes) {
            long size = (long) shape[0] * shape[1] * dtype.bytes();
            matrices.add(new Tensor("w" + matrices.size(), dtype, new long[] {shape[0], shape[1]},
                    all.asSlice(offset, size)));
            offset += size;
        }
        x = new float[DIM];
        hidden = new float[HIDDEN];
        for (int i = 0; i < DIM; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < HIDDEN; i++) {
            hidden[i] = (float) random.nextGaussian();
        }
        out = new float[VOCABULARY];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] step(BytesRead counter) {
        for (Tensor w : matrices) {
            MatVec.apply(w, w.dim(1) == DIM ? x : hidden, out);
        }
        counter.bytes += bytes;
        return out;
    }
}
