package rdu.graph;

import java.util.ArrayList;
import java.util.List;
import rdu.model.LayerWeights;
import rdu.model.LlamaWeights;
import rdu.model.ModelConfig;
import rdu.rope.RopeLayout;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

/**
 * Megatron-style tensor parallelism over N sockets, as the shard one socket holds: q, k, v, gate and up are split by
 * output rows (whole heads, MLP columns), o and down by input columns, so each socket's o and down products are
 * partial sums that {@link Op.AllReduce} adds up. The classifier and embedding are split by vocabulary rows. When
 * sockets outnumber KV heads, each socket keeps a copy of the one KV head its query heads read. A size that does not
 * divide evenly is rounded up: sockets are modeled alike, so the largest shard sets the pace.
 */
public final class TensorParallel {

    /** One socket's part of a model: a config of the shard's sizes and its tensors. */
    public record Shard(ModelConfig config, LlamaWeights weights, int sockets) {
    }

    private TensorParallel() {
    }

    /** The sizes of one socket's shard (the largest, where a size does not divide evenly). */
    public static ModelConfig shardConfig(ModelConfig c, int sockets) {
        if (sockets < 1) {
            throw new IllegalArgumentException("sockets must be >= 1, found " + sockets);
        }
        int kvHeads = c.numKvHeads() >= sockets ? ceilDiv(c.numKvHeads(), sockets) : 1;
        return new ModelConfig(c.architecture(), c.hiddenSize(), ceilDiv(c.intermediateSize(), sockets),
                c.numLayers(), ceilDiv(c.numHeads(), sockets), kvHeads, c.headDim(), ceilDiv(c.vocabSize(), sockets),
                c.maxPositions(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.tiedEmbeddings(), c.bosTokenId(),
                c.eosTokenIds());
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** One socket's shard of {@code config} with {@code dtype} weights, as shapes without data (timing-only runs). */
    public static Shard describe(ModelConfig config, DType dtype, int sockets) {
        ModelConfig s = shardConfig(config, sockets);
        String tag = sockets == 1 ? "" : " [1/" + sockets + "]";
        int h = s.hiddenSize();
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < s.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            layers.add(new LayerWeights(
                    Tensor.describe(p + "input_layernorm.weight", dtype, h),
                    Tensor.describe(p + "self_attn.q_proj.weight" + tag, dtype, s.qDim(), h),
                    Tensor.describe(p + "self_attn.k_proj.weight" + tag, dtype, s.kvDim(), h),
                    Tensor.describe(p + "self_attn.v_proj.weight" + tag, dtype, s.kvDim(), h),
                    Tensor.describe(p + "self_attn.o_proj.weight" + tag, dtype, h, s.qDim()),
                    Tensor.describe(p + "post_attention_layernorm.weight", dtype, h),
                    Tensor.describe(p + "mlp.gate_proj.weight" + tag, dtype, s.intermediateSize(), h),
                    Tensor.describe(p + "mlp.up_proj.weight" + tag, dtype, s.intermediateSize(), h),
                    Tensor.describe(p + "mlp.down_proj.weight" + tag, dtype, h, s.intermediateSize())));
        }
        Tensor embedding = Tensor.describe("model.embed_tokens.weight" + tag, dtype, s.vocabSize(), h);
        Tensor classifier = s.tiedEmbeddings() ? embedding
                : Tensor.describe("lm_head.weight" + tag, dtype, s.vocabSize(), h);
        var weights = new LlamaWeights(embedding, layers, Tensor.describe("model.norm.weight", dtype, h), classifier,
                RopeLayout.HALF);
        return new Shard(s, weights, sockets);
    }

    /** The decode graph one socket runs for its shard. */
    public static DecodeGraph graph(Shard shard) {
        return DecodeGraph.build(shard.config(), shard.weights(), shard.sockets());
    }
}
