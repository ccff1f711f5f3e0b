package rdu.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import rdu.cost.TestModels;
import rdu.family.Family;
import rdu.graph.DecodeGraph;
import rdu.graph.Op;
import rdu.graph.TensorParallel;
import rdu.memory.CapacityException;
import rdu.memory.MemoryTier;
import rdu.memory.Placement;
import rdu.memory.SocketMemory;
import rdu.memory.Tier;
import rdu.model.Affine;
import rdu.model.LayerWeights;
import rdu.model.Mlp;
import rdu.model.ModelConfig;
import rdu.model.ModelWeights;
import rdu.regression.SharedModels;
import rdu.rope.RopeLayout;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

class ScheduleTest {

    static final ModelConfig CONFIG = new ModelConfig("LlamaForCausalLM", 16, 24, 3, 4, 2, 4, 32, 8, 1e-5f, 10000,
            null, true, 1, List.of(2), Family.LLAMA);

    static DecodeGraph graph() {
        var arena = Arena.ofAuto();
        int h = CONFIG.hiddenSize();
        int i = CONFIG.intermediateSize();
        int kv = CONFIG.kvDim();
        Tensor embedding = zeros(arena, "embed", CONFIG.vocabSize(), h);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < CONFIG.numLayers(); l++) {
            layers.add(LayerWeights.llama(zeros(arena, "n1", h), zeros(arena, "q", h, h), zeros(arena, "k", kv, h),
                    zeros(arena, "v", kv, h), zeros(arena, "o", h, h), zeros(arena, "n2", h),
                    Mlp.gated(zeros(arena, "g", i, h), zeros(arena, "u", i, h), zeros(arena, "d", h, i))));
        }
        var weights = new ModelWeights(embedding, null, layers, Affine.of(zeros(arena, "norm", h)),
                Affine.of(embedding), RopeLayout.HALF);
        return DecodeGraph.build(CONFIG, weights);
    }

    static Tensor zeros(Arena arena, String name, long... shape) {
        return new Tensor(name, DType.F32, shape, arena.allocate(Tensor.elementCount(shape) * 4));
    }

    static Schedule compile(DecodeGraph graph, ScheduleOptions options) {
        return Schedule.compile(graph, options, new SocketMemory(0, 1 << 30, 0));
    }

    @Test
    void kernelLoopingMakesTheDecoderLayersOneCallWithPackedWeights() {
        Schedule looped = compile(graph(), ScheduleOptions.defaults());
        assertEquals(List.of("embedding", "decoders", "classifier", "sampling"),
                looped.calls().stream().map(KernelCall::name).toList(), "4 kernel calls per token, as published");
        KernelCall decoders = looped.calls().get(1);
        assertEquals(3, decoders.iterations().size());
        Op.MatVec wq0 = (Op.MatVec) decoders.iterations().get(0).get(1).op();
        Op.MatVec wq1 = (Op.MatVec) decoders.iterations().get(1).get(1).op();
        long stride = looped.placement(wq1).address() - looped.placement(wq0).address();
        assertEquals(wq0.weight().byteSize(), stride, "layer l+1's wq follows layer l's in one packed region");
    }

    @Test
    void layerFusionGivesOneKernelPerLayerBetweenEmbeddingAndClassifier() {
        Schedule schedule = compile(graph(), ScheduleOptions.defaults().withKernelLooping(false));
        List<String> names = schedule.calls().stream().map(KernelCall::name).toList();
        assertEquals(List.of("embedding", "decoder.0", "decoder.1", "decoder.2", "classifier", "sampling"), names);
        assertEquals(16, schedule.calls().get(1).nodes().size(), "a decoder layer fuses its 16 operators");
        assertInstanceOf(Op.Sample.class, schedule.calls().getLast().nodes().getFirst().op());
    }

    @Test
    void noFusionGivesOneKernelPerOperatorInTheSameOrder() {
        DecodeGraph graph = graph();
        Schedule fused = compile(graph, ScheduleOptions.defaults().withKernelLooping(false));
        Schedule unfused = compile(graph, ScheduleOptions.defaults().withFusion(Schedule.Fusion.NONE));
        assertEquals(graph.nodes().size(), unfused.calls().size());
        assertEquals(fused.calls().stream().flatMap(c -> c.nodes().stream()).toList(),
                unfused.calls().stream().flatMap(c -> c.nodes().stream()).toList(), "same operators, same order");
        assertEquals("decoder.0.MatVec", unfused.calls().get(2).name());
    }

    @Test
    void gpuScheduleGroupsALayerLikeTensorRtLlm() {
        Schedule gpu = compile(graph(), ScheduleOptions.defaults().withFusion(Schedule.Fusion.KERNEL_BY_KERNEL));
        List<String> layer0 = gpu.calls().stream().map(KernelCall::name).filter(n -> n.startsWith("decoder.0."))
                .toList();
        assertEquals(List.of("decoder.0.RmsNorm", "decoder.0.MatVec+2", "decoder.0.Rope+2", "decoder.0.Attention",
                "decoder.0.MatVec", "decoder.0.Residual+1", "decoder.0.MatVec+1", "decoder.0.SwiGlu",
                "decoder.0.MatVec", "decoder.0.Residual"), layer0,
                "norm, QKV, RoPE+KV update, attention, o, add+norm, gate/up, act, down, add");
        assertEquals(false, gpu.options().loopsLayers(), "KernelLooping needs layer fusion");
    }

    /** HBM bytes a schedule of {@code graph} takes when compiled alone: its weights and its KV cache. */
    static long hbmBytes(DecodeGraph graph) {
        return compile(graph, ScheduleOptions.defaults()).memory().tier(Tier.HBM).used();
    }

    @Test
    void aDraftAndItsTargetCompiledIntoOneSocketMemoryMustFitTogether() {
        DecodeGraph target = graph();
        DecodeGraph draft = TestModels.small(TestModels.SMALL, DType.F32);
        long both = hbmBytes(target) + hbmBytes(draft);
        var exactly = new SocketMemory(0, both, 0);
        Schedule.compile(target, ScheduleOptions.defaults(), exactly);
        Schedule.compile(draft, ScheduleOptions.defaults(), exactly);
        assertEquals(0, exactly.tier(Tier.HBM).free(), "both fit, with nothing to spare");

        var oneByteShort = new SocketMemory(0, both - 1, 0);
        Schedule.compile(target, ScheduleOptions.defaults(), oneByteShort);
        var e = assertThrows(CapacityException.class,
                () -> Schedule.compile(draft, ScheduleOptions.defaults(), oneByteShort));
        long needed = hbmBytes(draft);
        assertEquals(String.format(Locale.ROOT, "model (weights + KV cache for batch 1) does not fit in the HBM of"
                + " socket 0: needs %,d bytes (%.2f GB), %,d bytes (%.2f GB) available, short by 1 bytes (0.00 GB)",
                needed, needed / 1e9, needed - 1, (needed - 1) / 1e9), e.getMessage());
    }

    @Test
    void aLayerSkippingDraftLoopsOverItsTargetsPackedWeightsAndAddsOnlyItsKvCache() {
        try (var checkpoint = rdu.model.Checkpoint.open(SharedModels.root().resolve(SharedModels.STORIES))) {
            var shard = TensorParallel.slice(checkpoint.config(), checkpoint.weights(), 1, 0);
            var memory = new SocketMemory(0, 1L << 30, 0);
            Schedule target = Schedule.compile(TensorParallel.graph(shard), ScheduleOptions.defaults(), memory);
            List<Placement> before = new ArrayList<>();
            for (Tensor t : checkpoint.weights().all()) {
                before.add(memory.placement(t));
            }
            long used = memory.tier(Tier.HBM).used();
            DecodeGraph draft = TensorParallel.graph(shard.firstLayers(2));
            Schedule.compile(draft, ScheduleOptions.defaults(), memory);
            List<Placement> after = new ArrayList<>();
            for (Tensor t : checkpoint.weights().all()) {
                after.add(memory.placement(t));
            }
            assertEquals(before, after, "the target's weights stay where they were");
            assertEquals(used + MemoryTier.aligned(Schedule.kvCacheBytes(draft, 1)), memory.tier(Tier.HBM).used(),
                    "the draft adds its KV cache and nothing else");
            assertEquals(5, target.config().numLayers());
        }
    }
}
