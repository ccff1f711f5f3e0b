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
import rdu.graph.DecodeGraph;
import rdu.model.LayerWeights;
import rdu.model.LlamaWeights;
import rdu.model.ModelConfig;
import rdu.moe.MoeConfig;
import rdu.rope.RopeLayout;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

/** Decode graphs for cost and allocation tests: only shapes and dtypes matter, so every tensor views one buffer. */
public final class TestModels {

    /** hidden 16, MLP 24, 2 layers, 4 query heads and 2 KV heads of 4, vocab 32, 8 positions. */
    public static final ModelConfig SMALL = new ModelConfig("LlamaForCausalLM", 16, 24, 2, 4, 2, 4, 32, 8, 1e-5f,
            10000, null, false, 1, List.of(2));

    /** Experts for {@link #SMALL}: 4 of width 8, top 2, one shared of width 8, in layer 1 (every 2nd from 1). */
    public static final MoeConfig SMALL_MOE = new MoeConfig(4, 2, 8, 1, 8, 2, 1);

    /** Llama 3.1 8B's shapes. */
    public static final ModelConfig LLAMA_8B = new ModelConfig("LlamaForCausalLM", 4096, 14336, 32, 32, 8, 128,
            128256, 131072, 1e-5f, 500000, null, false, 128000, List.of(128001));

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

    private static DecodeGraph graph(ModelConfig config, DType dtype, MemorySegment data) {
        int h = config.hiddenSize();
        int i = config.intermediateSize();
        int q = config.qDim();
        int kv = config.kvDim();
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < config.numLayers(); l++) {
            String p = "layers." + l + ".";
            layers.add(new LayerWeights(tensor(p + "n1", dtype, data, h), tensor(p + "q", dtype, data, q, h),
                    tensor(p + "k", dtype, data, kv, h), tensor(p + "v", dtype, data, kv, h),
                    tensor(p + "o", dtype, data, h, q), tensor(p + "n2", dtype, data, h),
                    tensor(p + "g", dtype, data, i, h), tensor(p + "u", dtype, data, i, h),
                    tensor(p + "d", dtype, data, h, i)));
        }
        Tensor embedding = tensor("embed", dtype, data, config.vocabSize(), h);
        Tensor classifier = tensor("classifier", dtype, data, config.vocabSize(), h);
        var weights = new LlamaWeights(embedding, layers, tensor("norm", dtype, data, h), classifier,
                RopeLayout.HALF);
        return DecodeGraph.build(config, weights);
    }

    private static Tensor tensor(String name, DType dtype, MemorySegment data, long... shape) {
        return new Tensor(name, dtype, shape, data.asSlice(0, Tensor.elementCount(shape) * dtype.bytes()));
    }
}
