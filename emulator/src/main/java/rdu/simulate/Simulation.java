package rdu.simulate;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import rdu.catalog.ModelCatalog;
import rdu.chip.Chip;
import rdu.cost.CostModel;
import rdu.graph.TensorParallel;
import rdu.family.Families;
import rdu.memory.CapacityException;
import rdu.memory.MemoryTier;
import rdu.memory.SocketMemory;
import rdu.mla.MlaConfig;
import rdu.model.CheckpointFiles;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;
import rdu.moe.MoeConfig;
import rdu.report.TimingSummary;
import rdu.runtime.PlannedDecoder;
import rdu.runtime.PrefillChunk;
import rdu.runtime.StepListener;
import rdu.runtime.StepLoop;
import rdu.runtime.StepRecord;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;
import rdu.speculative.AcceptanceProfile;
import rdu.tensor.DType;
import rdu.timing.SocketTimelines;
import rdu.timing.TimingEngine;

/**
 * A timing-only request: one socket's tensor-parallel shard of a model, described by shapes alone, compiled and
 * timed through the same {@link StepLoop} as real generation: the prefill of a prompt (when it has one), then decode
 * steps. Sockets are alike, so socket 0 stands for all of them.
 *
 * @param model          the full model (its context sized for the run)
 * @param context        tokens already in the KV cache when the request starts (an earlier turn)
 * @param tokens         tokens to generate: without a prompt, decode steps from position {@code context}; with one,
 *                       the prefill gives the first and decode steps the rest
 * @param moe            the model's Mixture-of-Experts layers, null for a dense model
 * @param expertParallel whether each socket holds whole experts rather than a slice of every expert (see
 *                       {@link TensorParallel#describe(ModelConfig, MoeConfig, boolean, DType, int)})
 * @param mla            the model's Multi-head Latent Attention, null for grouped-query attention
 * @param promptTokens   prompt tokens prefilled after the context, before the first token (0: none)
 * @param prefillChunk   the widest prefill pass
 * @param speculative    draft-model speculation, or null for plain decoding
 */
public record Simulation(ModelConfig model, Chip chip, int sockets, ScheduleOptions options, DType dtype, int context,
                         int tokens, boolean allowDdr, MoeConfig moe, boolean expertParallel, MlaConfig mla,
                         int promptTokens, int prefillChunk, Speculative speculative) {

    /**
     * Draft-model speculation in a timing-only run: the draft's shard sits beside the target's on every socket; a
     * step drafts up to k tokens and verifies them in one target pass, and commits as many as the acceptance profile
     * says (its running mean, see {@link AcceptanceProfile#committedAt}).
     */
    public record Speculative(Simulation draft, int k, AcceptanceProfile acceptance) {

        public Speculative {
            if (k < 1) {
                throw new IllegalArgumentException("--spec-k must be at least 1, found " + k);
            }
            if (!acceptance.covers(k)) {
                throw new IllegalArgumentException("the acceptance profile " + acceptance.source() + " gives "
                        + acceptance.positions() + " draft positions; k " + k + " needs " + k);
            }
        }
    }

    /** The placed schedules of a run: the target's and, when speculating, the draft's beside it. */
    public record Compiled(Schedule target, Schedule draft) {
    }

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
        if (promptTokens < 0 || prefillChunk < 1) {
            throw new IllegalArgumentException("prompt tokens must be >= 0 and the prefill chunk >= 1, found "
                    + promptTokens + " and " + prefillChunk);
        }
    }

    /** The same run with a prompt of {@code tokens} tokens prefilled first (the KV caches sized for it too). */
    public Simulation withPrompt(int tokens) {
        ModelConfig sized = model.withMaxPositions(Math.addExact(model.maxPositions() - promptTokens, tokens));
        Speculative drafted = speculative == null ? null : new Speculative(speculative.draft().sizedTo(sized),
                speculative.k(), speculative.acceptance());
        return new Simulation(sized, chip, sockets, options, dtype, context, this.tokens, allowDdr, moe,
                expertParallel, mla, tokens, prefillChunk, drafted);
    }

    /** The same request decoded plainly: what speculation is measured against. */
    public Simulation withoutSpeculation() {
        return new Simulation(model, chip, sockets, options, dtype, context, tokens, allowDdr, moe, expertParallel,
                mla, promptTokens, prefillChunk, null);
    }

    /**
     * The same run speculating with {@code draftModel} (a catalog name or config.json, stored like the target) as
     * the draft, drafts of up to k tokens, committing as {@code acceptance} says.
     */
    public Simulation withSpeculation(String draftModel, int k, AcceptanceProfile acceptance) {
        Simulation draft = of(draftModel, chip, sockets, options, dtype, context, tokens, allowDdr, false)
                .sizedTo(model);
        // configs carry no tokenizer: different special tokens mean different tokenizers. Sizes alone may differ in
        // a shared tokenizer (Qwen2.5 pads its larger models' embeddings), so they are not compared here.
        ModelConfig d = draft.model();
        if (d.bosTokenId() != model.bosTokenId() || !d.eosTokenIds().equals(model.eosTokenIds())) {
            throw new IllegalArgumentException(draftModel + " cannot draft for this target: its special tokens (BOS "
                    + d.bosTokenId() + ", stop " + d.eosTokenIds() + ") are not the target's (BOS "
                    + model.bosTokenId() + ", stop " + model.eosTokenIds() + "), so it has another tokenizer");
        }
        return new Simulation(model, chip, sockets, options, dtype, context, tokens, allowDdr, moe, expertParallel,
                mla, promptTokens, prefillChunk, new Speculative(draft, k, acceptance));
    }

    /** This model with a KV cache as long as {@code target}'s: a draft feeds the positions its target does. */
    private Simulation sizedTo(ModelConfig target) {
        return new Simulation(model.withMaxPositions(target.maxPositions()), chip, sockets, options, dtype, context,
                tokens, allowDdr, moe, expertParallel, mla, promptTokens, prefillChunk, speculative);
    }

    /**
     * A run of a catalog model or config.json: its shape, Mixture-of-Experts and Multi-head Latent Attention parts
     * all read from that one config, the KV cache sized for {@code context + tokens} positions.
     */
    public static Simulation of(String nameOrPath, Chip chip, int sockets, ScheduleOptions options, DType dtype,
                                int context, int tokens, boolean allowDdr, boolean expertParallel) {
        MlaConfig mla = loadMla(nameOrPath);
        return new Simulation(model(nameOrPath, context, tokens, mla), chip, sockets, options, dtype, context, tokens,
                allowDdr, loadMoe(nameOrPath), expertParallel, mla, 0, PrefillChunk.defaultFor(chip), null);
    }

    /**
     * A catalog model or config.json, with the KV cache sized for {@code context + tokens} positions. With MLA the
     * head_dim is a query head's width, nope + rope (DeepSeek's config.json has no head_dim field).
     */
    public static ModelConfig loadModel(String nameOrPath, int context, int tokens) {
        return model(nameOrPath, context, tokens, loadMla(nameOrPath));
    }

    private static ModelConfig model(String nameOrPath, int context, int tokens, MlaConfig mla) {
        ModelConfig c = read(ModelCatalog.config(nameOrPath));
        return new ModelConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(),
                c.numKvHeads(), mla == null ? c.headDim() : mla.qkHeadDim(), c.vocabSize(), context + tokens,
                c.rmsNormEps(), c.ropeTheta(),
                c.ropeScaling(), c.tiedEmbeddings(), c.bosTokenId(), c.eosTokenIds(), c.family());
    }

    /**
     * The shapes and family of a config.json. An architecture the functional path runs is read by its family's file,
     * so that its own operators are timed (biases, norms, soft-caps, windows, its MLP, a Qwen2-MoE shared expert's
     * gate); the timing-only ones ({@link HfConfig#LLAMA_LIKE} but those) by Llama's shape, their Mixture-of-Experts
     * and latent attention parts being read by {@link MoeConfig} and {@link MlaConfig}, as for every architecture.
     */
    public static ModelConfig read(Path configJson) {
        Set<String> timed = new TreeSet<>(HfConfig.LLAMA_LIKE);
        timed.addAll(Families.supported());
        String architecture = HfConfig.architecture(configJson, CheckpointFiles.readJsonObject(configJson), timed);
        return Families.supported().contains(architecture) ? Families.read(configJson)
                : HfConfig.read(configJson, HfConfig.LLAMA_LIKE);
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
     * Places and compiles one socket's shard, and the draft's beside it when speculating. A model that does not fit
     * says so, with the shortfall, before anything as large as the model is built (a config may ask for a billion
     * layers).
     */
    public Compiled compile() {
        long capacity = capacity(allowDdr);
        long needed = bytesPerSocket(sockets);
        String what = "model (weights + KV cache for batch " + options.batch() + ")";
        if (speculative != null) {
            needed = Math.addExact(needed, speculative.draft().bytesPerSocket(sockets));
            what = "target and draft (weights + KV caches for batch " + options.batch() + ")";
        }
        if (needed > capacity) {
            throw new CapacityException(what + " do" + (speculative == null ? "es" : "") + " not fit in "
                    + (allowDdr ? "the HBM + DDR" : "the HBM") + " of socket 0", needed, capacity);
        }
        long heap = Runtime.getRuntime().maxMemory();
        long hostBytes = Math.multiplyExact((long) model.numLayers(), HOST_BYTES_PER_LAYER);
        if (hostBytes > heap) {
            throw new HostMemoryException(String.format(Locale.ROOT, "the emulator's description of %,d layers does not"
                    + " fit in this JVM's heap (give it more with RDU_JAVA_OPTS=-Xmx<size>)", model.numLayers()),
                    hostBytes, heap);
        }
        var memory = new SocketMemory(0, chip.hbmBytes(), allowDdr ? chip.ddrBytes() : 0);
        Schedule target = place(memory);
        return new Compiled(target, speculative == null ? null : speculative.draft().place(memory));
    }

    private Schedule place(SocketMemory memory) {
        var shard = TensorParallel.describe(model, moe, mla, expertParallel, dtype, sockets);
        return Schedule.compile(TensorParallel.graph(shard), options, memory);
    }

    /** The smallest socket count whose HBM holds the model (and its draft), or -1 if none up to {@code limit}. */
    public int smallestSocketsThatFit(int limit) {
        for (int n = 1; n <= limit; n++) {
            long draft = speculative == null ? 0 : speculative.draft().bytesPerSocket(n);
            if (bytesPerSocket(n) <= capacity(false) - draft) {
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

    /** Runs the request; the summary is per socket (each socket streams its own shard at its own bandwidth). */
    public TimingSummary run(boolean traced, Consumer<StepRecord> sink) {
        return run(compile(), traced, sink);
    }

    /** As {@link #run(boolean, Consumer)}, on schedules this simulation already compiled. */
    public TimingSummary run(Compiled compiled, boolean traced, Consumer<StepRecord> sink) {
        return time(chip, compiled, chip.name() + " x" + sockets, context, promptTokens, tokens, prefillChunk,
                speculative == null ? null : new PlannedDecoder.Speculation(speculative.k(), speculative.acceptance()),
                traced, sink);
    }

    /**
     * Times a request on {@code compiled} from shapes alone, through the one step loop: {@code promptTokens} prompt
     * tokens after {@code cached} cached positions prefilled in chunks (none: the first step decodes position
     * {@code cached}), then decode steps (speculative ones when {@code speculation} is set, on the draft's schedule
     * and the target's) until {@code tokens} tokens are generated.
     */
    public static TimingSummary time(Chip chip, Compiled compiled, String label, int cached, int promptTokens,
                                     int tokens, int chunk, PlannedDecoder.Speculation speculation, boolean traced,
                                     Consumer<StepRecord> sink) {
        var socket = new SocketTimelines();
        var engine = new TimingEngine(chip, compiled.target(), socket);
        var draftEngine = compiled.draft() == null ? null : new TimingEngine(chip, compiled.draft(), socket);
        int batch = compiled.target().options().batch();
        var summary = new TimingSummary(label, batch, chip.hbmBandwidth(), engine.weightBytesPerStep(),
                speculation == null ? 0 : speculation.k());
        // the request so far: the cached context, then the prompt; with no prompt, the token at position `cached`
        // (the last of an earlier turn) is the first one fed
        int[] request = new int[cached + Math.max(promptTokens, 1)];
        Arrays.fill(request, PlannedDecoder.UNKNOWN);
        var decoder = new PlannedDecoder(cached, cached + promptTokens, chunk, speculation);
        StepLoop.run(request, tokens, compiled.target().config().maxPositions(), Set.of(), decoder,
                new StepLoop.Timing(engine, draftEngine, compiled.target().options().offloadSteps(), traced),
                new StepListener() {
                    @Override
                    public void onStep(StepRecord record) {
                        summary.add(record, engine.kvBytesPerSample(record.lastPosition()) * batch);
                        sink.accept(record);
                    }
                });
        return summary;
    }
}
