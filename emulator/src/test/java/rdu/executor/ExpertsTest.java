package rdu.executor;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import rdu.family.Family;
import rdu.family.MixtureOfExperts;
import rdu.graph.DecodeGraph;
import rdu.memory.SocketMemory;
import rdu.model.Affine;
import rdu.model.LayerWeights;
import rdu.model.Mlp;
import rdu.model.ModelConfig;
import rdu.model.ModelWeights;
import rdu.model.MoeWeights;
import rdu.rope.RopeLayout;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

/** A Mixture-of-Experts layer computes, and reads, only the experts its router chose. */
class ExpertsTest {

    private static final int HIDDEN = 8;

    /** hidden 8, one layer, 4 experts of width 4, top 2, vocabulary 4. */
    private static final ModelConfig CONFIG = new ModelConfig("MixtralForCausalLM", HIDDEN, 4, 1, 2, 2, 4, 4, 8, 1e-5f,
            10000, null, false, 0, List.of(3),
            Family.LLAMA.withMoe(new MixtureOfExperts(4, 2, true, 4, 0, Set.of())));

    private final Arena arena = Arena.ofAuto();

    private Tensor tensor(String name, float value, long... shape) {
        long n = Tensor.elementCount(shape);
        MemorySegment data = arena.allocate(n * Float.BYTES);
        for (long i = 0; i < n; i++) {
            // a value that differs element to element, of the sign of value
            data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, value * (1 + (i % 7) / 7.0f));
        }
        return new Tensor(name, DType.F32, shape, data);
    }

    /**
     * Logits of two tokens through the layer, expert {@code poisoned}'s weights NaN. The attention adds nothing (o is
     * zero) and the embeddings are positive, so XB is positive and the router's scores rank the experts by their row's
     * value: 0, then 1, 2 and 3.
     */
    private float[][] logits(int poisoned) {
        List<Mlp> experts = new ArrayList<>();
        for (int e = 0; e < 4; e++) {
            float value = e == poisoned ? Float.NaN : 0.1f;
            experts.add(Mlp.gated(tensor("gate" + e, value, 4, HIDDEN), tensor("up" + e, value, 4, HIDDEN),
                    tensor("down" + e, value, HIDDEN, 4)));
        }
        MemorySegment router = arena.allocate(4L * HIDDEN * Float.BYTES);
        for (int e = 0; e < 4; e++) {
            for (int j = 0; j < HIDDEN; j++) {
                router.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, e * HIDDEN + j, 1.0f - e);
            }
        }
        var moe = new MoeWeights(new Tensor("router", DType.F32, new long[] {4, HIDDEN}, router), experts, null, null);
        var layer = new LayerWeights(Affine.of(tensor("n1", 1, HIDDEN)), Affine.of(tensor("q", 0.1f, 8, HIDDEN)),
                Affine.of(tensor("k", 0.1f, 8, HIDDEN)), Affine.of(tensor("v", 0.1f, 8, HIDDEN)),
                Affine.of(tensor("o", 0, HIDDEN, 8)), null, Affine.of(tensor("n2", 1, HIDDEN)), null, moe, null);
        var weights = new ModelWeights(tensor("embed", 1, 4, HIDDEN), null, List.of(layer),
                Affine.of(tensor("norm", 1, HIDDEN)), Affine.of(tensor("classifier", 0.1f, 4, HIDDEN)),
                RopeLayout.HALF);
        Schedule schedule = Schedule.compile(DecodeGraph.build(CONFIG, weights), ScheduleOptions.defaults(),
                new SocketMemory(0, 1L << 30, 0));
        return new FunctionalExecutor(List.of(schedule), RopeLayout.HALF, 4, 8).forward(new int[] {1, 2}, 0);
    }

    @Test
    void expertsNoRowChoseAreNeitherComputedNorRead() {
        for (float[] row : logits(3)) {
            assertTrue(Arrays.stream(toDoubles(row)).allMatch(Double::isFinite), "expert 3 is never chosen");
        }
        for (float[] row : logits(1)) {
            assertFalse(Arrays.stream(toDoubles(row)).allMatch(Double::isFinite), "expert 1 is: its NaNs show");
        }
    }

    private static double[] toDoubles(float[] row) {
        double[] d = new double[row.length];
        for (int i = 0; i < row.length; i++) {
            d[i] = row[i];
        }
        return d;
    }
}
