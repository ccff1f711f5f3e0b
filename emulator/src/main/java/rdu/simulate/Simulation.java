package rdu.simulate;

import java.util.Locale;
import java.util.function.Consumer;
import rdu.catalog.ModelCatalog;
import rdu.chip.Chip;
import rdu.cost.CostModel;
import rdu.graph.TensorParallel;
import rdu.memory.CapacityException;
import rdu.memory.MemoryTier;
import rdu.memory.SocketMemory;
import rdu.mla.MlaConfig;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;
import rdu.moe.MoeConfig;
import rdu.report.TimingSummary;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;
import rdu.tensor.DType;
import rdu.timing.Pass;
import rdu.timing.StepTiming;
import rdu.timing.TimingEngine;

/**
 * A timing-only decode run: one socket's tensor-parallel shard of a model, described by shapes alone, compiled and
 * timed for a number of decode steps. Sockets are alike, so socket 0 stands for all of them.
 *
 * @param model          the full model (its context sized for the run)
 * @param context        tokens already in the KV cache when decoding starts
 * @param tokens         decode steps to model
 * @param moe            the model's Mixture-of-Experts layers, null for a dense model
 * @param expertParallel whether each socket holds whole experts rather than a slice of every expert (see
 *                       {@link TensorParallel#describe(ModelConfig, MoeConfig, boolean, DType, int)})
 * @param mla            the model's Multi-head Latent Attention, null for grouped-query attention
 */
public record Simulation(ModelConfig model, Chip chip, int sockets, ScheduleOptions options, DType dtype, int context,
                         int tokens, boolean allowDdr, MoeConfig moe, boolean expertParallel, MlaConfig mla) {

    /**
     * Host memory the emulator spends on a decoder layer of a shard (tensors, graph nodes, kernel calls, placements,
     * per-operator timing state): 3-4.5 KB measured after compiling and running 20,000 layers (dense, MoE, MoE with
     * MLA), counted as 16 KB to leave room for what a run builds and drops on the way.
     */
    static final long HOST_BYTES_PER_LAYER = 16_000;

    public Simulation {
        if (expertParallel && moe == null) {
            throw new IllegalArgumentException("expert parallelism needs a Mixture-of-Experts model");
        }
    }

    /**
     * A run of a catalog model or config.json: its shape, Mixture-of-Experts and Multi-head Latent Attention parts
     * all read from that one config, the KV cache sized for {@code context + tokens} positions.
     */
    public static Simulation of(String nameOrPath, Chip chip, int sockets, ScheduleOptions options, DType dtype,
                                int context, int tokens, boolean allowDdr, boolean expertParallel) {
        MlaConfig mla = loadMla(nameOrPath);
        return new Simulation(model(nameOrPath, context, tokens, mla), chip, sockets, options, dtype, context, tokens,
                allowDdr, loadMoe(nameOrPath), expertParallel, mla);
    }

    /**
     * A catalog model or config.json, with the KV cache sized for {@code context + tokens} positions. With MLA the
     * head_dim is a query head's width, nope + rope (DeepSeek's config.json has no head_dim field).
     */
    public static ModelConfig loadModel(String nameOrPath, int context, int tokens) {
        return model(nameOrPath, context, tokens, loadMla(nameOrPath));
    }

    private static ModelConfig model(String nameOrPath, int context, int tokens, MlaConfig mla) {
        ModelConfig c = HfConfig.read(ModelCatalog.config(nameOrPath), HfConfig.LLAMA_LIKE);
        return new ModelConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(),
                c.numKvHeads(), mla == null ? c.headDim() : mla.qkHeadDim(), c.vocabSize(), context + tokens,
                c.rmsNormEps(), c.ropeTheta(),
                c.ropeScaling(), c.tiedEmbeddings(), c.bosTokenId(), c.eosTokenIds());
    }

    /** The Mixture-of-Experts part of a catalog model or config.json, or null for a dense model. */
    public static MoeConfig loadMoe(String nameOrPath) {
        return MoeConfig.read(ModelCatalog.config(nameOrPath));
    }

    /** The Multi-head Latent Attention of a catalog model or config.json, or null if it has none. */
    public static MlaConfig loadMla(String nameOrPath) {
        return MlaConfig.read(ModelCatalog.config(nameOrPath));
    }

    /** Bytes of all the model's weights, on all sockets together. */
    public long weightBytes() {
        long bytes = 0;
        for (var t : TensorParallel.tensors(model, moe, mla, false, dtype, 1)) {
            bytes = Math.addExact(bytes, Math.multiplyExact(t.times(), t.tensor().byteSize()));
        }
        return bytes;
    }

    /**
     * Places and compiles one socket's shard. A model that does not fit says so, with the shortfall, before anything
     * as large as the model is built (a config may ask for a billion layers).
     */
    public Schedule compile() {
        long capacity = capacity(allowDdr);
        long needed = bytesPerSocket(sockets);
        if (needed > capacity) {
            throw new CapacityException("model (weights + KV cache for batch " + options.batch() + ") does not fit in "
                    + (allowDdr ? "the HBM + DDR" : "the HBM") + " of socket 0", needed, capacity);
        }
        long heap = Runtime.getRuntime().maxMemory();
        long hostBytes = Math.multiplyExact((long) model.numLayers(), HOST_BYTES_PER_LAYER);
        if (hostBytes > heap) {
            throw new HostMemoryException(String.format(Locale.ROOT, "the emulator's description of %,d layers does not"
                    + " fit in this JVM's heap (give it more with RDU_JAVA_OPTS=-Xmx<size>)", model.numLayers()),
                    hostBytes, heap);
        }
        var shard = TensorParallel.describe(model, moe, mla, expertParallel, dtype, sockets);
        var memory = new SocketMemory(0, chip.hbmBytes(), allowDdr ? chip.ddrBytes() : 0);
        return Schedule.compile(TensorParallel.graph(shard), options, memory);
    }

    /** The smallest socket count whose HBM holds the model, or -1 if none up to {@code limit}. */
    public int smallestSocketsThatFit(int limit) {
        for (int n = 1; n <= limit; n++) {
            if (bytesPerSocket(n) <= capacity(false)) {
                return n;
            }
        }
        return -1;
    }

    /** A socket's memory: its HBM, and its DDR too when weights may spill there. */
    private long capacity(boolean withDdr) {
        return chip.hbmBytes() + (withDdr ? chip.ddrBytes() : 0);
    }

    /**
     * Bytes one socket of {@code n} holds, counted from the config as memory places them (each tensor and the KV
     * cache at an aligned address): its shard of the weights, and of the KV cache for the batch and every position.
     * Long.MAX_VALUE when the count overflows a long: no memory holds that.
     */
    long bytesPerSocket(int n) {
        try {
            long bytes = 0;
            for (var t : TensorParallel.tensors(model, moe, mla, expertParallel, dtype, n)) {
                bytes = Math.addExact(bytes, Math.multiplyExact(t.times(), MemoryTier.aligned(t.tensor().byteSize())));
            }
            ModelConfig shard = TensorParallel.shardConfig(model, n);
            // what each layer's KvWrite caches per position and sample: K and V of its KV heads, or MLA's latent
            long values = mla == null ? 2L * shard.kvDim() : mla.latentWidth();
            long kv = Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(values, shard.numLayers()),
                    Math.multiplyExact((long) options.batch(), shard.maxPositions())), CostModel.ACTIVATION_BYTES);
            return Math.addExact(bytes, MemoryTier.aligned(kv));
        } catch (ArithmeticException beyondALong) {
            return Long.MAX_VALUE;
        }
    }

    /** Runs every step; the summary is per socket (each socket streams its own shard at its own bandwidth). */
    public TimingSummary run(boolean traced, Consumer<StepTiming> sink) {
        return run(compile(), traced, sink);
    }

    /** As {@link #run(boolean, Consumer)}, on a schedule this simulation already compiled. */
    public TimingSummary run(Schedule schedule, boolean traced, Consumer<StepTiming> sink) {
        var engine = new TimingEngine(chip, schedule);
        var summary = new TimingSummary(chip.name() + " x" + sockets, options.batch(), chip.hbmBandwidth(),
                engine.weightBytesPerStep());
        double t = 0;
        for (int step = 0; step < tokens; step++) {
            int position = context + step;
            StepTiming timing = engine.pass(step, new Pass(Pass.Phase.DECODE, position, 1),
                    step % options.offloadSteps() == 0, t, traced);
            t = timing.endNs();
            summary.add(timing, engine.kvBytesPerSample(position) * options.batch());
            sink.accept(timing);
        }
        return summary;
    }
}
