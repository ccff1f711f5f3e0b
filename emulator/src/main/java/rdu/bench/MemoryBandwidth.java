package rdu.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.DoubleAdder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import rdu.parallel.HostPool;
import rdu.simd.Simd;

/**
 * The host's memory read bandwidth, measured the way decode reads weights: one pass of vector loads over an
 * off-heap buffer far larger than the caches, split over the same host thread pool the kernels use.
 */
public final class MemoryBandwidth {

    private static final int CHUNK = 1 << 20;

    private MemoryBandwidth() {
    }

    /** Read bandwidth in bytes per second: the best pass and the median pass. */
    public record Result(double best, double median) {
    }

    /** Where the pass sums go, so the JIT cannot prove the loads unused and drop them. */
    private static volatile double sink;

    /** Reads a {@code bytes}-byte buffer {@code passes} times. */
    public static Result measure(long bytes, int passes) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(bytes, 64);
            for (long i = 0; i < bytes; i += Float.BYTES) {
                buffer.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) (i & 1023));
            }
            MemorySegment shared = buffer.asReadOnly();
            int chunks = (int) (bytes / CHUNK);
            double[] rates = new double[passes];
            for (int pass = 0; pass < passes; pass++) {
                var sum = new DoubleAdder();
                long start = System.nanoTime();
                HostPool.parallelFor(chunks, (from, to) -> sum.add(read(shared, (long) from * CHUNK, (long) to * CHUNK)));
                rates[pass] = (double) chunks * CHUNK * 1e9 / (System.nanoTime() - start);
                sink += sum.sum();
            }
            Arrays.sort(rates);
            return new Result(rates[passes - 1], rates[passes / 2]);
        }
    }

    private static double read(MemorySegment data, long from, long to) {
        int step = Simd.FLOAT.vectorByteSize();
        FloatVector a = FloatVector.zero(Simd.FLOAT);
        FloatVector b = a;
        FloatVector c = a;
        FloatVector d = a;
        for (long i = from; i + 4L * step <= to; i += 4L * step) {
            a = a.add(FloatVector.fromMemorySegment(Simd.FLOAT, data, i, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(Simd.FLOAT, data, i + step, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(Simd.FLOAT, data, i + 2L * step, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(Simd.FLOAT, data, i + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c.add(d)).reduceLanes(VectorOperators.ADD);
    }
}
