package rdu.jmh;

import java.util.concurrent.TimeUnit;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import rdu.simd.Simd;

/**
 * The host's vector FMA peak, the ceiling a compute-bound kernel (a prefill's matrix products) is measured against:
 * twelve independent FMA chains in registers, no memory. Run it on every core ({@code scripts/jmh VectorPeak -t 2}):
 * the {@code flops} row is FLOP/s over all threads.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class VectorPeak {

    private static final int ITERATIONS = 1 << 16;
    private static final int CHAINS = 12;

    /** Floating-point operations done, which JMH reports per second beside the calls per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Flops {
        public long flops;

        @Setup(Level.Iteration)
        public void clear() {
            flops = 0;
        }
    }

    private final float[] seed = new float[Simd.FLOAT.length()];

    @Setup(Level.Trial)
    public void setUp() {
        for (int i = 0; i < seed.length; i++) {
            seed[i] = 1e-3f * (i + 1);
        }
    }

    @Benchmark
    public float fma(Flops counter) {
        FloatVector m = FloatVector.fromArray(Simd.FLOAT, seed, 0);
        FloatVector a = FloatVector.broadcast(Simd.FLOAT, 0.999f);
        FloatVector s0 = m, s1 = m, s2 = m, s3 = m, s4 = m, s5 = m;
        FloatVector s6 = m, s7 = m, s8 = m, s9 = m, s10 = m, s11 = m;
        for (int i = 0; i < ITERATIONS; i++) {
            s0 = s0.fma(a, m);
            s1 = s1.fma(a, m);
            s2 = s2.fma(a, m);
            s3 = s3.fma(a, m);
            s4 = s4.fma(a, m);
            s5 = s5.fma(a, m);
            s6 = s6.fma(a, m);
            s7 = s7.fma(a, m);
            s8 = s8.fma(a, m);
            s9 = s9.fma(a, m);
            s10 = s10.fma(a, m);
            s11 = s11.fma(a, m);
        }
        counter.flops += 2L * CHAINS * ITERATIONS * Simd.FLOAT.length();
        return s0.add(s1).add(s2.add(s3)).add(s4.add(s5)).add(s6.add(s7)).add(s8.add(s9)).add(s10.add(s11))
                .reduceLanes(VectorOperators.ADD);
    }
}
