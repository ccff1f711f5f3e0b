package rdu.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;
import rdu.simulate.Simulation;
import rdu.tensor.DType;
import rdu.timing.StepTiming;
import rdu.timing.TimingEngine;

/** Timing-only runs of the catalog's Mixture-of-Experts models: the expert bytes a decode step streams. */
class MoeSimulationTest {

    static final Chip SN40L = ChipFile.load("sn40l");
    static final int CONTEXT = 15;

    static Simulation simulation(String model, int sockets, int batch, DType dtype, boolean expertParallel) {
        return Simulation.of(model, SN40L, sockets, ScheduleOptions.defaults().withBatch(batch), dtype, CONTEXT, 1,
                false, expertParallel);
    }

    static long hbmBytesOfOneStep(Simulation simulation) {
        List<StepTiming> steps = new ArrayList<>();
        simulation.run(false, step -> steps.add(step.timings().getFirst()));
        return steps.getFirst().hbmBytes();
    }

    /**
     * HBM bytes of one decode step of Mixtral 8x7B (BF16) on one of 8 sockets, by hand: each socket holds 4 of the
     * 32 query heads, 1 of the 8 KV heads, 1/8 of every expert's width (14336 / 8 = 1792) and of the vocabulary.
     */
    static double mixtralByHand(int batch, ExpertRouting routing) {
        double experts = routing.distinctExperts(8, 2, batch) * 3 * 1792 * 4096 * 2;
        double attention = 512 * 4096 * 2 * 2 + 128 * 4096 * 2 * 2; // q and o; k and v
        double norms = 2 * 4096 * 2;
        double router = 8 * 4096 * 2;
        double kv = batch * (2.0 * (CONTEXT + 1) * 128 * 2 + 2 * 128 * 2); // read t positions of K and V, write one
        double classifier = 4000.0 * 4096 * 2 + 4096 * 2; // and the final norm
        return batch * 4096 * 2 + 32 * (experts + attention + norms + router + kv) + classifier;
    }

    @Test
    void mixtralOnEightSocketsAtBatch1StreamsTwoOfEightExperts() {
        long bytes = hbmBytesOfOneStep(simulation("mixtral-8x7b", 8, 1, DType.BF16, false));
        assertEquals(mixtralByHand(1, ExpertRouting.UNIFORM), bytes, 0.01 * bytes);
        double allExperts = 2.0 * 32 * 8 * 3 * 1792 * 4096;
        assertTrue(bytes < 0.3 * allExperts, "2 of 8 experts' slices, with the attention and classifier: " + bytes);
    }

    @Test
    void aLargerBatchTouchesMoreExperts() {
        long one = hbmBytesOfOneStep(simulation("mixtral-8x7b", 8, 1, DType.BF16, false));
        long sixtyFour = hbmBytesOfOneStep(simulation("mixtral-8x7b", 8, 64, DType.BF16, false));
        assertEquals(mixtralByHand(64, ExpertRouting.UNIFORM), sixtyFour, 0.01 * sixtyFour, "nearly all 8 experts");
        assertTrue(sixtyFour > 3 * one, sixtyFour + " vs " + one);
    }

    @Test
    void skewedRoutingStreamsTheExpertsItsRoutingTouches() {
        var zipf = ExpertRouting.parse("zipf:1.2");
        long bytes = hbmBytesOfOneStep(Simulation.of("mixtral-8x7b", SN40L, 8,
                ScheduleOptions.defaults().withBatch(16).withExpertRouting(zipf), DType.BF16, CONTEXT, 1, false,
                false));
        assertEquals(mixtralByHand(16, zipf), bytes, 0.01 * bytes);
        long uniform = hbmBytesOfOneStep(simulation("mixtral-8x7b", 8, 16, DType.BF16, false));
        assertTrue(bytes < uniform, "popular experts shared: " + bytes + " vs " + uniform);
    }

    @Test
    void fp8HalvesTheWeightBytes() {
        for (String model : List.of("mixtral-8x7b", "gpt-oss-120b", "llama-4-maverick")) {
            var bf16 = simulation(model, 16, 4, DType.BF16, false);
            var fp8 = simulation(model, 16, 4, DType.F8_E4M3, false);
            assertEquals(bf16.weightBytes(), 2 * fp8.weightBytes(), model);
            assertEquals(weightBytesPerStep(bf16), 2 * weightBytesPerStep(fp8), 1, model);
        }
    }

    static long weightBytesPerStep(Simulation simulation) {
        return new TimingEngine(SN40L, simulation.compile().target()).weightBytesPerStep();
    }

    @Test
    void catalogModelsHaveTheirPublishedParameterCounts() {
        assertEquals(46.7e9, simulation("mixtral-8x7b", 8, 1, DType.BF16, false).weightBytes() / 2.0, 0.1e9);
        assertEquals(116.8e9, simulation("gpt-oss-120b", 8, 1, DType.BF16, false).weightBytes() / 2.0, 0.2e9,
                "less its biases and attention sinks");
        assertEquals(400e9, simulation("llama-4-maverick", 16, 1, DType.BF16, false).weightBytes() / 2.0, 2e9);
    }

    @Test
    void expertParallelismStreamsWholeExpertsOnFewerSockets() {
        // at batch 1 the busiest socket streams one whole expert (3 * 14336 * 4096 BF16 per layer) instead of
        // two eighths: twice the expert bytes of the tensor-parallel split
        long sliced = hbmBytesOfOneStep(simulation("mixtral-8x7b", 8, 1, DType.BF16, false));
        long whole = hbmBytesOfOneStep(simulation("mixtral-8x7b", 8, 1, DType.BF16, true));
        assertEquals(2.0 * 32 * 3 * (14336 - 2 * 1792) * 4096, whole - sliced, 1e-3 * whole);
    }

    @Test
    void llama4LoopsOverPairsOfDenseAndMoeLayers() {
        Schedule schedule = simulation("llama-4-maverick", 16, 1, DType.F8_E4M3, false).compile().target();
        assertEquals(4, schedule.kernelCallsPerStep(), "embedding, decoders, classifier, sampling");
        assertEquals(24, schedule.calls().get(1).iterations().size(), "48 layers, a dense and an MoE one each");
    }
}
