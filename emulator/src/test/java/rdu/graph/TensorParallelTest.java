package rdu.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import rdu.activation.ActivationFunction;
import rdu.family.Family;
import rdu.model.LayerWeights;
import rdu.model.ModelConfig;
import rdu.moe.ExpertRouting;
import rdu.moe.MoeConfig;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

class TensorParallelTest {

    static final ModelConfig LLAMA_8B = new ModelConfig("LlamaForCausalLM", 4096, 14336, 32, 32, 8, 128, 128256,
            8192, 1e-5f, 500000, null, false, 128000, List.of(128001), Family.LLAMA);

    @Test
    void sixteenWaySplitOfLlama8b() {
        var shard = TensorParallel.describe(LLAMA_8B, DType.BF16, 16);
        ModelConfig c = shard.config();
        assertEquals(2, c.numHeads());
        assertEquals(1, c.numKvHeads(), "8 KV heads over 16 sockets: each keeps the one its 2 query heads read");
        assertEquals(896, c.intermediateSize());
        assertEquals(8016, c.vocabSize());
        var layer = shard.weights().layers().getFirst();
        assertEquals(List.of(256L, 4096L), List.of(layer.q().weight().dim(0), layer.q().weight().dim(1)));
        assertEquals(List.of(4096L, 256L), shape(layer.o().weight()), "o splits its inputs");
        assertEquals(List.of(4096L, 896L), shape(layer.mlp().down().weight()));
        assertFalse(layer.q().weight().hasData(), "timing-only tensors have shapes, no data");
    }

    @Test
    void aTensorParallelLayerAllReducesItsAttentionAndMlpOutputs() {
        DecodeGraph graph = TensorParallel.graph(TensorParallel.describe(LLAMA_8B, DType.BF16, 4));
        long perLayer = graph.nodes().stream().filter(n -> n.layer() == 0 && n.op() instanceof Op.AllReduce).count();
        assertEquals(2, perLayer);
        DecodeGraph single = TensorParallel.graph(TensorParallel.describe(LLAMA_8B, DType.BF16, 1));
        assertEquals(0, single.nodes().stream().filter(n -> n.op() instanceof Op.AllReduce).count());
    }

    static final ModelConfig MIXTRAL = new ModelConfig("MixtralForCausalLM", 4096, 14336, 32, 32, 8, 128, 32000,
            8192, 1e-5f, 1e6, null, false, 1, List.of(2), Family.LLAMA);
    static final MoeConfig MIXTRAL_EXPERTS = new MoeConfig(8, 2, 14336, 0, 0, 1, 0);

    static List<Long> shape(Tensor t) {
        return Arrays.stream(t.shape()).boxed().toList();
    }

    @Test
    void expertsSplitTheirWidthByDefaultOrWholeExpertsWithExpertParallelism() {
        var tensorParallel = TensorParallel.describe(MIXTRAL, MIXTRAL_EXPERTS, false, DType.BF16, 8);
        RoutedExperts sliced = tensorParallel.routedExperts().get(0);
        assertEquals(List.of(8L, 3 * 1792L, 4096L), shape(sliced.experts()), "1/8 of every expert's width");
        assertEquals(List.of(8L, 4096L), shape(sliced.router()), "every socket routes");
        var expertParallel = TensorParallel.describe(MIXTRAL, MIXTRAL_EXPERTS, true, DType.BF16, 8);
        assertEquals(List.of(1L, 3 * 14336L, 4096L), shape(expertParallel.routedExperts().get(31).experts()),
                "one whole expert each");
        assertEquals(32, expertParallel.routedExperts().size());
        assertNull(expertParallel.weights().layers().getFirst().mlp(), "Mixtral has no shared expert");
    }

    @Test
    void anMoeLayerRoutesThenAddsItsSharedExpertIntoXb2BeforeTheAllReduce() {
        // Llama 4 Maverick's shapes, 4 layers: 0 and 2 dense, 1 and 3 MoE with one shared expert
        var llama4 = new ModelConfig("Llama4ForConditionalGeneration", 5120, 16384, 4, 40, 8, 128, 202048, 8192,
                1e-5f, 500000, null, false, 200000, List.of(200001), Family.LLAMA);
        var shard = TensorParallel.describe(llama4, new MoeConfig(128, 1, 8192, 1, 8192, 2, 1), false, DType.BF16, 4);
        assertEquals(List.of(1, 3), shard.routedExperts().keySet().stream().sorted().toList());
        assertEquals(List.of(4096L, 5120L), shape(shard.weights().layers().get(0).mlp().gate().weight()),
                "dense: 16384 / 4");
        assertEquals(List.of(2048L, 5120L), shape(shard.weights().layers().get(1).mlp().gate().weight()),
                "shared: 8192 / 4");

        List<Op> mlp = TensorParallel.graph(shard).nodes().stream().filter(n -> n.layer() == 1).map(Node::op)
                .toList().subList(12, 21); // after the attention block and the MLP's RmsNorm
        LayerWeights w = shard.weights().layers().get(1);
        RoutedExperts e = shard.routedExperts().get(1);
        assertEquals(List.of(new Op.Router(e.router(), 1, false),
                new Op.Experts(e.experts(), List.of(), 128, 1, ExpertRouting.UNIFORM),
                new Op.MatVec(w.mlp().gate().weight(), Activation.XB, Activation.HB),
                new Op.MatVec(w.mlp().up().weight(), Activation.XB, Activation.HB2),
                new Op.Glu(Activation.HB, Activation.HB2, ActivationFunction.SILU),
                new Op.MatVec(w.mlp().down().weight(), Activation.HB, Activation.XB),
                new Op.Residual(Activation.XB2, Activation.XB),
                new Op.AllReduce(Activation.XB2, 4),
                new Op.Residual(Activation.X, Activation.XB2)), mlp);
    }

    @Test
    void aFunctionalSplitNeedsEvenHeadsAndSaysSoByTheRuleTimingRunsState() {
        var weights = TensorParallel.describe(LLAMA_8B, DType.BF16, 1).weights();
        String uneven = TensorParallel.unevenSplit(LLAMA_8B, 1000);
        assertTrue(uneven.contains("1000") && uneven.contains("32"), uneven);
        var e = assertThrows(IllegalArgumentException.class, () -> TensorParallel.slice(LLAMA_8B, weights, 1000, 0));
        assertTrue(e.getMessage().contains(uneven), e.getMessage());
        assertNull(TensorParallel.unevenSplit(LLAMA_8B, 16), "8 KV heads replicate evenly over 16 sockets");
        assertEquals(1, TensorParallel.describe(LLAMA_8B, DType.BF16, 1000).config().numHeads(),
                "a timing-only run replicates a head where sockets outnumber them");
    }

    @Test
    void anyPositiveSocketCountRoundsUpWithoutOverflow() {
        ModelConfig shard = TensorParallel.shardConfig(LLAMA_8B, Integer.MAX_VALUE);
        assertEquals(List.of(1, 1, 1, 1), List.of(shard.numHeads(), shard.numKvHeads(), shard.intermediateSize(),
                shard.vocabSize()));
    }

    @Test
    void unevenSizesRoundUpToTheLargestShard() {
        ModelConfig llama3b = new ModelConfig("LlamaForCausalLM", 3072, 8192, 28, 24, 8, 128, 128256, 8192, 1e-5f,
                500000, null, true, 128000, List.of(128001), Family.LLAMA);
        assertEquals(2, TensorParallel.shardConfig(llama3b, 16).numHeads(), "24 heads over 16 sockets: at most 2");
    }
}
