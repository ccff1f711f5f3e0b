package rdu.simulate;

import java.util.Objects;
import java.util.function.Consumer;
import rdu.catalog.ModelCatalog;
import rdu.chip.Chip;
import rdu.graph.TensorParallel;
import rdu.memory.CapacityException;
import rdu.memory.SocketMemory;
import rdu.mla.MlaConfig;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;
import rdu.moe.MoeConfig;
import rdu.report.TimingSummary;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;
import rdu.tensor.DType;
import rdu.tensor.Tensor;
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
        return TensorParallel.graph(TensorParallel.describe(model, moe, mla, false, dtype, 1)).nodes().stream()
                .map(n -> n.op().weightTensor()).filter(Objects::nonNull).distinct().mapToLong(Tensor::byteSize)
                .sum();
    }

    /** Places and compiles one socket's shard; a model that does not fit says so, with the shortfall. */
    public Schedule compile() {
        var shard = TensorParallel.describe(model, moe, mla, expertParallel, dtype, sockets);
        var memory = new SocketMemory(0, chip.hbmBytes(), allowDdr ? chip.ddrBytes() : 0);
        return Schedule.compile(TensorParallel.graph(shard), options, memory);
    }

    /** The smallest socket count whose HBM holds the model, or -1 if none up to {@code limit}. */
    public int smallestSocketsThatFit(int limit) {
        for (int n = 1; n <= limit; n++) {
            try {
                new Simulation(model, chip, n, options, dtype, context, tokens, false, moe, expertParallel, mla)
                        .compile();
                return n;
            } catch (CapacityException tooBig) {
                // try one more socket
            }
        }
        return -1;
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
            StepTiming timing = engine.step(step, position, t, traced);
            t = timing.endNs();
            summary.add(timing, engine.kvBytesPerSample(position) * options.batch());
            sink.accept(timing);
        }
        return summary;
    }
}
