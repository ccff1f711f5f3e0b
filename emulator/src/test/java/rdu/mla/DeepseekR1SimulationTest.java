package rdu.mla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.cost.CostModel;
import rdu.graph.Node;
import rdu.graph.Op;
import rdu.graph.TensorParallel;
import rdu.memory.CapacityException;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;
import rdu.simulate.Simulation;
import rdu.tensor.DType;
import rdu.timing.StepTiming;
import rdu.timing.TimingEngine;

/** Timing-only runs of DeepSeek-R1 671B: Multi-head Latent Attention and 256-expert MoE layers. */
class DeepseekR1SimulationTest {

    static final Chip SN40L = ChipFile.load("sn40l");
    static final String MODEL = "deepseek-r1";
    static final int LAYERS = 61;
    static final int LATENT = 512 + 64;

    static Simulation simulation(int sockets, int context, DType dtype) {
        return Simulation.of(MODEL, SN40L, sockets, ScheduleOptions.defaults(), dtype, context, 1, false, false);
    }

    static long hbmBytesOfOneStep(Simulation simulation) {
        List<StepTiming> steps = new ArrayList<>();
        simulation.run(false, step -> steps.add(step.timings().getFirst()));
        return steps.getFirst().hbmBytes();
    }

    @Test
    void hasItsPublishedParameterCount() {
        // embeddings and classifier included; the multi-token-prediction layer is not in the graph
        assertEquals(671e9, simulation(16, 15, DType.BF16).weightBytes() / 2.0, 0.02 * 671e9);
    }

    @Test
    void everyLayerReadsItsWholeLatentCacheOnEverySocket() {
        int position = 99;
        long t = position + 1;
        Schedule schedule = simulation(16, position, DType.F8_E4M3).compile().target();
        int attentions = 0;
        for (var call : schedule.calls()) {
            for (Node node : call.nodes()) {
                if (node.op() instanceof Op.Attention a) {
                    attentions++;
                    assertEquals(8, a.latent().heads(), "128 heads over 16 sockets");
                    var cost = CostModel.of(a, schedule.config(), 1, position);
                    assertEquals(t * LATENT * 2, cost.kvReadBytes(), "one latent per position, BF16");
                    assertEquals(8L * 256 * 512, cost.weightBytes(), "kv_b of 8 heads, FP8");
                }
            }
        }
        assertEquals(LAYERS, attentions);
        long written = LAYERS * LATENT * 2L;
        assertEquals(LAYERS * t * LATENT * 2 + written, new TimingEngine(SN40L, schedule).kvBytesPerSample(position));
        assertEquals(written * (position + 1), Schedule.kvCacheBytes(
                TensorParallel.graph(TensorParallel.describe(schedule.config(), null, new MlaConfig(1536, 512, 128,
                        64, 128), false, DType.F8_E4M3, 16)), 1), "the cache holds the latents of every position");
    }

    @Test
    void moreContextStreamsMoreBytes() {
        long shortContext = hbmBytesOfOneStep(simulation(16, 1_000, DType.F8_E4M3));
        long longContext = hbmBytesOfOneStep(simulation(16, 64_000, DType.F8_E4M3));
        assertEquals(LAYERS * 63_000L * LATENT * 2, longContext - shortContext, 0.001 * longContext);
    }

    @Test
    void fp8WeightsNeedElevenSocketsSoEightAreRefused() {
        // 671B parameters as published (published-results.md section 4), one byte each in FP8, over 64 GB of HBM a
        // socket: no fewer sockets than ceil(671 / 64) = 11 can hold them
        long weights = 671_000_000_000L;
        int fewest = (int) Math.ceilDiv(weights, SN40L.hbmBytes());
        // and 11 do: besides its 1/11 of the weights a socket holds whole only the q_a and kv_a projections (7168 x
        // (1536 + 576) bytes a layer) and the latent cache (576 BF16 values a layer and position)
        long whole = LAYERS * 7168L * (1536 + 576) + LAYERS * LATENT * 2L * (8192 + 1);
        assertTrue(weights / fewest + whole < SN40L.hbmBytes(), "the published bytes fit on " + fewest);

        assertThrows(CapacityException.class, simulation(8, 8192, DType.F8_E4M3)::compile);
        assertEquals(fewest, simulation(8, 8192, DType.F8_E4M3).smallestSocketsThatFit(1024));
        simulation(fewest, 8192, DType.F8_E4M3).compile().target();
        assertThrows(CapacityException.class, simulation(fewest - 1, 8192, DType.F8_E4M3)::compile);
    }

    @Test
    void kernelLoopingLoopsTheDenseLayersAndTheMoeLayersSeparately() {
        Schedule schedule = simulation(16, 1024, DType.F8_E4M3).compile().target();
        List<String> names = schedule.calls().stream().map(c -> c.name() + " x" + c.iterations().size()).toList();
        assertEquals(List.of("embedding x1", "decoders.0-2 x3", "decoders.3-60 x58", "classifier x1", "sampling x1"),
                names, "3 leading dense layers, then 58 MoE layers: two looped calls, 5 per token");
    }
}

