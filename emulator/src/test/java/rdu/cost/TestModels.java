package rdu.cost;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import rdu.activation.ActivationFunction;
import rdu.family.AttentionOptions;
import rdu.family.Family;
import rdu.family.MixtureOfExperts;
import rdu.graph.DecodeGraph;
import rdu.model.Affine;
import rdu.model.LayerWeights;
import rdu.model.Mlp;
import rdu.model.ModelConfig;
import rdu.model.ModelWeights;
import rdu.model.MoeWeights;
import rdu.moe.MoeConfig;
import rdu.rope.RopeLayout;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

/** Decode graphs for cost and allocation tests: only shapes and dtypes matter, so every tensor views one buffer. */
public final class TestModels {

    /** hidden 16, MLP 24, 2 layers, 4 query heads and 2 KV heads of 4, vocab 32, 8 positions. */
    public static final ModelConfig SMALL = new ModelConfig("LlamaForCausalLM", 16, 24, 2, 4, 2, 4, 32, 8, 1e-5f,
            10000, null, false, 1, List.of(2), Family.LLAMA);

    /** Experts for {@link #SMALL}: 4 of width 8, top 2, one shared of width 8, in layer 1 (every 2nd from 1). */
    public static final MoeConfig SMALL_MOE = new MoeConfig(4, 2, 8, 1, 8, 2, 1);

    /** Llama 3.1 8B's shapes. */
    public static final ModelConfig LLAMA_8B = new ModelConfig("LlamaForCausalLM", 4096, 14336, 32, 32, 8, 128,
            128256, 131072, 1e-5f, 500000, null, false, 128000, List.of(128001), Family.LLAMA);

    /**
     * {@link #SMALL}'s shapes with every choice a family can make that Llama does not: LayerNorm, biases everywhere,
     * a plain GELU MLP in a parallel block, learned positions, post-norms, sliding windows and soft-caps, and in
     * layer 1 Mixture-of-Experts of 4 experts of width 8 (top 2) with a shared expert of width 8.
     */
    public static final ModelConfig SMALL_EVERY_CHOICE = SMALL.withFamily(Family.LLAMA
            .withMoe(new MixtureOfExperts(4, 2, true, 8, 8, Set.of(0)))
            .withNorm(Family.Norm.LAYER).withMlp(Family.MlpKind.PLAIN).withActivation(ActivationFunction.GELU_TANH)
            .withMlpBias(true).withPositions(Family.Positions.LEARNED).withParallelBlock(true).withPostNorms(true)
            .withLmHeadBias(true).withFinalSoftCap(30).withAttention(AttentionOptions.LLAMA.withQkvBias(true)
                    .withOBias(true).withWindows(List.of(3, 0)).withSoftCap(50)));

    private TestModels() {
    }

    /** A graph of {@code config} with zero-filled {@code dtype} weights. */
    public static DecodeGraph small(ModelConfig config, DType dtype) {
        return graph(config, dtype, Arena.ofAuto().allocate(largestTensorBytes(config, dtype)));
    }

    /**
     * A graph of {@code config} whose tensors view a sparse file in {@code dir}, mapped read-only: a full-size model
     * with no memory or disk spent on its weights.
     */
    public static DecodeGraph sparse(ModelConfig config, DType dtype, Path dir) throws IOException {
        long bytes = largestTensorBytes(config, dtype);
        Path file = dir.resolve("weights.bin");
        try (var channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
            channel.write(ByteBuffer.allocate(1), bytes - 1);
            MemorySegment data = channel.map(FileChannel.MapMode.READ_ONLY, 0, bytes, Arena.ofAuto());
            return graph(config, dtype, data);
        }
    }

    private static long largestTensorBytes(ModelConfig config, DType dtype) {
        long hidden = config.hiddenSize();
        long largest = Math.max(config.vocabSize() * hidden, config.intermediateSize() * hidden);
        return Math.max(largest, config.qDim() * hidden) * dtype.bytes();
    }

    /** The graph of {@code config}'s family, with the biases, norms and position table the family has. */
    private static DecodeGraph graph(ModelConfig config, DType dtype, MemorySegment data) {
        Family family = config.family();
        int h = config.hiddenSize();
        int i = config.intermediateSize();
        int q = config.qDim();
        int kv = config.kvDim();
        boolean qkvBias = family.attention().qkvBias();
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < config.numLayers(); l++) {
            String p = "layers." + l + ".";
            boolean mlpBias = family.mlpBias();
            boolean sparse = family.moe() != null && family.moe().isSparse(l);
            Mlp mlp = new Mlp(family.mlp() == Family.MlpKind.GATED ? affine(p + "g", mlpBias, dtype, data, i, h) : null,
                    affine(p + "u", mlpBias, dtype, data, i, h), affine(p + "d", mlpBias, dtype, data, h, i));
            layers.add(new LayerWeights(norm(family, p + "n1", dtype, data, h),
                    affine(p + "q", qkvBias, dtype, data, q, h),
                    affine(p + "k", qkvBias, dtype, data, kv, h), affine(p + "v", qkvBias, dtype, data, kv, h),
                    affine(p + "o", family.attention().oBias(), dtype, data, h, q),
                    family.postNorms() ? norm(family, p + "n1post", dtype, data, h) : null,
                    family.parallelBlock() ? null : norm(family, p + "n2", dtype, data, h), sparse ? null : mlp,
                    sparse ? moe(p, family.moe(), dtype, data, h) : null,
                    family.postNorms() ? norm(family, p + "n2post", dtype, data, h) : null));
        }
        Tensor embedding = tensor("embed", dtype, data, config.vocabSize(), h);
        Tensor positions = family.positions() == Family.Positions.LEARNED
                ? tensor("positions", dtype, data, config.maxPositions(), h) : null;
        var weights = new ModelWeights(embedding, positions, layers, norm(family, "norm", dtype, data, h),
                affine("classifier", family.lmHeadBias(), dtype, data, config.vocabSize(), h), RopeLayout.HALF);
        return DecodeGraph.build(config, weights);
    }

    /** A Mixture-of-Experts layer's router, experts and shared expert, with its gate. */
    private static MoeWeights moe(String p, MixtureOfExperts moe, DType dtype, MemorySegment data, int h) {
        List<Mlp> experts = new ArrayList<>();
        for (int e = 0; e < moe.experts(); e++) {
            experts.add(gated(p + "e" + e, moe.width(), dtype, data, h));
        }
        Mlp shared = gated(p + "s", moe.sharedWidth(), dtype, data, h);
        return new MoeWeights(tensor(p + "router", dtype, data, moe.experts(), h), experts, shared,
                tensor(p + "shared_gate", dtype, data, 1, h));
    }

    /** A gated MLP of {@code width} without biases: gate {@code name}g, up {@code name}u, down {@code name}d. */
    private static Mlp gated(String name, int width, DType dtype, MemorySegment data, int h) {
        return Mlp.gated(tensor(name + "g", dtype, data, width, h), tensor(name + "u", dtype, data, width, h),
                tensor(name + "d", dtype, data, h, width));
    }

    /** A projection [out, in] and, with {@code bias}, its bias [out]. */
    private static Affine affine(String name, boolean bias, DType dtype, MemorySegment data, long out, long in) {
        return new Affine(tensor(name, dtype, data, out, in), bias ? tensor(name + ".bias", dtype, data, out) : null);
    }

    /** A norm's weight and, for LayerNorm, its bias. */
    private static Affine norm(Family family, String name, DType dtype, MemorySegment data, long n) {
        return new Affine(tensor(name, dtype, data, n),
                family.norm() == Family.Norm.LAYER ? tensor(name + ".bias", dtype, data, n) : null);
    }

    private static Tensor tensor(String name, DType dtype, MemorySegment data, long... shape) {
        return new Tensor(name, dtype, shape, data.asSlice(0, Tensor.elementCount(shape) * dtype.bytes()));
    }
}
