package rdu.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
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

    /** Best read bandwidth in bytes per second over {@code passes} passes of a {@code bytes}-byte buffer. */
    public static double measure(long bytes, int passes) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(bytes, 64);
            for (long i = 0; i < bytes; i += Float.BYTES) {
                buffer.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) (i & 1023));
            }
            MemorySegment shared = buffer.asReadOnly();
            double best = 0;
            double checksum = 0;
            for (int pass = 0; pass < passes; pass++) {
                var sum = new DoubleAdder();
                long start = System.nanoTime();
                int chunks = (int) (bytes / CHUNK);
                HostPool.parallelFor(chunks, (from, to) -> sum.add(read(shared, (long) from * CHUNK, (long) to * CHUNK)));
                long nanos = System.nanoTime() - start;
                best = Math.max(best, (double) chunks * CHUNK * 1e9 / nanos);
                checksum += sum.sum();
            }
            if (checksum == 42) { // keeps the loads alive: the JIT cannot prove the sums unused
                System.err.print("");
            }
            return best;
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
