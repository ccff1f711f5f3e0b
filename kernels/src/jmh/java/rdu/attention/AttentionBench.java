package rdu.attention;

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

import rdu.jmh.BytesRead;

/**
 * One layer's attention for the token at the last of {@code positions} cached positions, with the 110M llama2.c
 * model's heads (12 x 64); the {@code bytes} counter is cached key and value bytes read per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AttentionBench {

    private static final int HEADS = 12;
    private static final int HEAD_DIM = 64;

    @Param({"256", "1024", "4096"})
    public int positions;

    private KvCache cache;
    private float[] q;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        int dim = HEADS * HEAD_DIM;
        cache = new KvCache(1, positions, dim);
        Random random = new Random(1);
        float[] k = new float[dim];
        float[] v = new float[dim];
        for (int pos = 0; pos < positions; pos++) {
            for (int i = 0; i < dim; i++) {
                k[i] = (float) random.nextGaussian();
                v[i] = (float) random.nextGaussian();
            }
            cache.store(0, pos, k, v);
        }
        q = new float[dim];
        for (int i = 0; i < dim; i++) {
            q[i] = (float) random.nextGaussian();
        }
        out = new float[dim];
    }

    @Benchmark
    public float[] apply(BytesRead counter) {
        Attention.apply(out, q, cache, 0, positions - 1, HEADS, HEADS, HEAD_DIM, Scores.standard(HEAD_DIM));
        counter.bytes += 2L * positions * HEADS * HEAD_DIM * Float.BYTES;
        return out;
    }
}
