package rdu.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;
import rdu.model.ModelConfig;
import rdu.tensor.DType;

class TensorParallelTest {

    static final ModelConfig LLAMA_8B = new ModelConfig("LlamaForCausalLM", 4096, 14336, 32, 32, 8, 128, 128256,
            8192, 1e-5f, 500000, null, false, 128000, List.of(128001));

    @Test
    void sixteenWaySplitOfLlama8b() {
        var shard = TensorParallel.describe(LLAMA_8B, DType.BF16, 16);
        ModelConfig c = shard.config();
        assertEquals(2, c.numHeads());
        assertEquals(1, c.numKvHeads(), "8 KV heads over 16 sockets: each keeps the one its 2 query heads read");
        assertEquals(896, c.intermediateSize());
        assertEquals(8016, c.vocabSize());
        var layer = shard.weights().layers().getFirst();
        assertEquals(List.of(256L, 4096L), List.of(layer.wq().dim(0), layer.wq().dim(1)));
        assertEquals(List.of(4096L, 256L), List.of(layer.wo().dim(0), layer.wo().dim(1)), "o splits its inputs");
        assertEquals(List.of(4096L, 896L), List.of(layer.down().dim(0), layer.down().dim(1)));
        assertFalse(layer.wq().hasData(), "timing-only tensors have shapes, no data");
    }

    @Test
    void aTensorParallelLayerAllReducesItsAttentionAndMlpOutputs() {
        DecodeGraph graph = TensorParallel.graph(TensorParallel.describe(LLAMA_8B, DType.BF16, 4));
        long perLayer = graph.nodes().stream().filter(n -> n.layer() == 0 && n.op() instanceof Op.AllReduce).count();
        assertEquals(2, perLayer);
        DecodeGraph single = TensorParallel.graph(TensorParallel.describe(LLAMA_8B, DType.BF16, 1));
        assertEquals(0, single.nodes().stream().filter(n -> n.op() instanceof Op.AllReduce).count());
    }

    @Test
    void unevenSizesRoundUpToTheLargestShard() {
        ModelConfig llama3b = new ModelConfig("LlamaForCausalLM", 3072, 8192, 28, 24, 8, 128, 128256, 8192, 1e-5f,
                500000, null, true, 128000, List.of(128001));
        assertEquals(2, TensorParallel.shardConfig(llama3b, 16).numHeads(), "24 heads over 16 sockets: at most 2");
    }
}
