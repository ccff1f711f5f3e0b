package rdu.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import rdu.graph.DecodeGraph;
import rdu.graph.Op;
import rdu.hbm.Hbm;
import rdu.model.LayerWeights;
import rdu.model.LlamaWeights;
import rdu.model.ModelConfig;
import rdu.rope.RopeLayout;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

class ScheduleTest {

    static final ModelConfig CONFIG = new ModelConfig("LlamaForCausalLM", 16, 24, 3, 4, 2, 4, 32, 8, 1e-5f, 10000,
            null, true, 1, List.of(2));

    static DecodeGraph graph() {
        var arena = Arena.ofAuto();
        int h = CONFIG.hiddenSize();
        int i = CONFIG.intermediateSize();
        int kv = CONFIG.kvDim();
        Tensor embedding = zeros(arena, "embed", CONFIG.vocabSize(), h);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < CONFIG.numLayers(); l++) {
            layers.add(new LayerWeights(zeros(arena, "n1", h), zeros(arena, "q", h, h), zeros(arena, "k", kv, h),
                    zeros(arena, "v", kv, h), zeros(arena, "o", h, h), zeros(arena, "n2", h), zeros(arena, "g", i, h),
                    zeros(arena, "u", i, h), zeros(arena, "d", h, i)));
        }
        var weights = new LlamaWeights(embedding, layers, zeros(arena, "norm", h), embedding, RopeLayout.HALF);
        return DecodeGraph.build(CONFIG, weights, new Hbm(0, 1 << 30));
    }

    static Tensor zeros(Arena arena, String name, long... shape) {
        return new Tensor(name, DType.F32, shape, arena.allocate(Tensor.elementCount(shape) * 4));
    }

    @Test
    void layerFusionGivesOneKernelPerLayerBetweenEmbeddingAndClassifier() {
        Schedule schedule = Schedule.compile(graph(), Schedule.Fusion.LAYER);
        List<String> names = schedule.calls().stream().map(KernelCall::name).toList();
        assertEquals(List.of("embedding", "decoder.0", "decoder.1", "decoder.2", "classifier", "sampling"), names);
        assertEquals(16, schedule.calls().get(1).nodes().size(), "a decoder layer fuses its 16 operators");
        assertInstanceOf(Op.Sample.class, schedule.calls().getLast().nodes().getFirst().op());
    }

    @Test
    void noFusionGivesOneKernelPerOperatorInTheSameOrder() {
        DecodeGraph graph = graph();
        Schedule fused = Schedule.compile(graph, Schedule.Fusion.LAYER);
        Schedule unfused = Schedule.compile(graph, Schedule.Fusion.NONE);
        assertEquals(graph.nodes().size(), unfused.calls().size());
        assertEquals(fused.calls().stream().flatMap(c -> c.nodes().stream()).toList(),
                unfused.calls().stream().flatMap(c -> c.nodes().stream()).toList(), "same operators, same order");
        assertEquals("decoder.0.MatVec", unfused.calls().get(2).name());
    }
}
