package rdu.generate;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import rdu.chip.Chip;
import rdu.executor.FunctionalExecutor;
import rdu.graph.TensorParallel;
import rdu.memory.SocketMemory;
import rdu.model.Checkpoint;
import rdu.model.CheckpointException;
import rdu.model.ModelConfig;
import rdu.report.TimingSummary;
import rdu.runtime.ChipModel;
import rdu.runtime.Decoder;
import rdu.runtime.GenerationException;
import rdu.runtime.PlainDecoder;
import rdu.runtime.PrefillChunk;
import rdu.runtime.SpeculativeDecoder;
import rdu.runtime.StepListener;
import rdu.runtime.StepLoop;
import rdu.runtime.StepRecord;
import rdu.sampling.Sampler;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;
import rdu.simulate.Simulation;
import rdu.speculative.DraftModelDrafter;
import rdu.speculative.Drafter;
import rdu.speculative.GreedyVerifier;
import rdu.speculative.NgramDrafter;
import rdu.speculative.SpeculativeStep;
import rdu.speculative.StochasticVerifier;
import rdu.speculative.Verifier;
import rdu.tensor.DType;
import rdu.tensor.Tensor;
import rdu.timing.SocketTimelines;
import rdu.timing.TimingEngine;
import rdu.tokenizer.StreamingDecoder;

/**
 * Generation on the emulated chip: places the checkpoint (and the draft, when speculating) in the sockets' memory,
 * compiles their schedules, and runs each request through the one {@link StepLoop} with a decoder on the real
 * weights. Greedy tokens are those of llama2.c run.c: the prompt (BOS first) is prefilled, each generated token is
 * fed back; generation stops at max tokens, at a stop token (not emitted) or when the context is full.
 */
public final class Generator {

    /** Whether generation also runs the timing engine, and whether it keeps every slice for a trace. */
    public enum Timing {
        OFF,
        ON,
        TRACED
    }

    /**
     * How a generator runs.
     *
     * @param sockets      sockets the model is split over by tensor parallelism
     * @param prefillChunk the widest pass: the prompt is prefilled in passes of at most this many positions
     * @param speculation  how steps speculate; null for plain decoding
     * @param stopTokens   ids that end generation besides the model's eos ids (a chat template's end of turn)
     */
    public record Setup(Chip chip, ScheduleOptions options, Timing timing, int sockets, int prefillChunk,
                        Speculation speculation, Set<Integer> stopTokens) {

        public Setup {
            stopTokens = Set.copyOf(stopTokens);
        }

        /** Timed, one socket, the chip's prefill chunk, no speculation, no stop token but the model's. */
        public static Setup of(Chip chip, ScheduleOptions options) {
            return new Setup(chip, options, Timing.ON, 1, PrefillChunk.defaultFor(chip), null, Set.of());
        }

        public Setup withTiming(Timing timing) {
            return new Setup(chip, options, timing, sockets, prefillChunk, speculation, stopTokens);
        }

        public Setup withSockets(int sockets) {
            return new Setup(chip, options, timing, sockets, prefillChunk, speculation, stopTokens);
        }

        public Setup withPrefillChunk(int prefillChunk) {
            return new Setup(chip, options, timing, sockets, prefillChunk, speculation, stopTokens);
        }

        public Setup withSpeculation(Speculation speculation) {
            return new Setup(chip, options, timing, sockets, prefillChunk, speculation, stopTokens);
        }

        public Setup withStopTokens(Set<Integer> stopTokens) {
            return new Setup(chip, options, timing, sockets, prefillChunk, speculation, stopTokens);
        }
    }

    /** The weight dtypes the functional kernels widen to FP32. */
    static final Set<DType> COMPUTABLE = EnumSet.of(DType.F32, DType.BF16, DType.F16);

    private final Checkpoint checkpoint;
    private final Setup setup;
    private final List<Schedule> schedules = new ArrayList<>();
    /** The draft's schedules, one per socket, placed beside the target's; empty without a draft model. */
    private final List<Schedule> draftSchedules = new ArrayList<>();
    private final TimingEngine engine;
    private final TimingEngine draftEngine;

    /**
     * Splits the checkpoint (and the draft) over the sockets by tensor parallelism (views on the tensors, no copies),
     * places each socket's shards together in that socket's memory, so they must fit together, and compiles each
     * socket's schedules. Sockets are alike, so socket 0's schedules are the ones timed.
     */
    public Generator(Checkpoint checkpoint, Setup setup) {
        requireComputable(checkpoint);
        if (setup.options().batch() != 1) {
            throw new GenerationException("functional generation decodes one sequence (batch 1); found batch "
                    + setup.options().batch());
        }
        if (setup.sockets() < 1) {
            throw new GenerationException("sockets must be >= 1, found " + setup.sockets());
        }
        if (setup.prefillChunk() < 1) {
            throw new GenerationException("--prefill-chunk must be at least 1 position, found " + setup.prefillChunk());
        }
        Speculation speculation = setup.speculation();
        if (speculation != null) {
            speculation.requireFits(checkpoint);
            if (speculation.draft() != null) {
                requireComputable(speculation.draft());
            }
        }
        this.checkpoint = checkpoint;
        this.setup = setup;
        Chip chip = setup.chip();
        for (int s = 0; s < setup.sockets(); s++) {
            var memory = new SocketMemory(s, chip.hbmBytes(), chip.ddrBytes());
            TensorParallel.Shard shard = shard(checkpoint, s);
            schedules.add(Schedule.compile(TensorParallel.graph(shard), setup.options(), memory));
            TensorParallel.Shard draft = speculation == null ? null : switch (speculation.method()) {
                case DRAFT_MODEL -> shard(speculation.draft(), s);
                case LAYER_SKIP -> shard.firstLayers(speculation.layers());
                case NGRAM -> null;
            };
            if (draft != null) {
                draftSchedules.add(Schedule.compile(TensorParallel.graph(draft), setup.options(), memory));
            }
        }
        if (setup.timing() == Timing.OFF) {
            engine = null;
            draftEngine = null;
        } else {
            var socket = new SocketTimelines();
            engine = new TimingEngine(chip, schedules.getFirst(), socket);
            draftEngine = draftSchedules.isEmpty() ? null : new TimingEngine(chip, draftSchedules.getFirst(), socket);
        }
    }

    private TensorParallel.Shard shard(Checkpoint c, int socket) {
        try {
            return TensorParallel.slice(c.config(), c.weights(), setup.sockets(), socket);
        } catch (IllegalArgumentException e) {
            throw new GenerationException(c.source() + ": " + e.getMessage());
        }
    }

    private static void requireComputable(Checkpoint c) {
        for (Tensor t : c.weights().all()) {
            if (!COMPUTABLE.contains(t.dtype())) {
                throw new CheckpointException(c.source(), "tensor \"" + t.name() + "\" dtype",
                        "one of " + COMPUTABLE + " for functional generation", t.dtype().toString());
            }
        }
    }

    /** Socket 0's schedule of the target: the one timed. */
    public Schedule schedule() {
        return schedules.getFirst();
    }

    /** Socket 0's schedule of the draft, or null when no draft model runs. */
    public Schedule draftSchedule() {
        return draftSchedules.isEmpty() ? null : draftSchedules.getFirst();
    }

    /** The target's timing engine, or null when timing is off. */
    public TimingEngine timingEngine() {
        return engine;
    }

    /**
     * The modeled time of plain decoding of a request like one this generator ran: the same prompt length prefilled
     * in the same chunks, then one-position decode steps up to {@code tokens} tokens; what speculation is measured
     * against.
     */
    public TimingSummary plainTiming(int promptLength, int tokens) {
        return Simulation.time(setup.chip(), new Simulation.Compiled(schedule(), null), setup.chip().name(), 0,
                promptLength, tokens, setup.prefillChunk(), null, false, step -> { });
    }

    /** Encodes {@code prompt} with the checkpoint's tokenizer and generates from it. */
    public Generation generate(String prompt, int maxTokens, Sampler sampler, TokenListener listener) {
        return generate(checkpoint.tokenizer().encode(prompt), maxTokens, sampler, listener);
    }

    /**
     * Generates from {@code promptIds}. With speculation, {@code sampler}'s temperature is the target's: 0 verifies
     * greedily (the tokens of plain greedy decoding), above 0 by speculative sampling, seeded by the sampler's seed.
     */
    public Generation generate(int[] promptIds, int maxTokens, Sampler sampler, TokenListener listener) {
        requireRequest(promptIds, maxTokens);
        // the positions this run can reach, not the model's whole context (which may be billions): the host KV cache
        // holds only these, and the generated ids grow as they come, however large maxTokens is
        int positions = reachable(checkpoint.config(), promptIds.length, maxTokens);
        ChipModel target = new ChipModel(executor(schedules, checkpoint, positions, request(promptIds, maxTokens)),
                checkpoint.config().vocabSize(), positions, setup.prefillChunk(), false, promptIds.length);
        return run(promptIds, maxTokens, decoder(target, promptIds, maxTokens, sampler), listener, 0);
    }

    /**
     * A session for a conversation: requests on one KV cache that holds the model's whole context, each prefilling
     * only what its prompt does not share with the cache. Plain decoding only.
     */
    public Session session() {
        if (setup.speculation() != null) {
            throw new GenerationException("a conversation's session decodes plainly; this generator speculates");
        }
        int positions = checkpoint.config().maxPositions();
        var model = new ChipModel(executor(schedules, checkpoint, positions, "a conversation of up to " + positions
                + " positions (max_position_embeddings)"), checkpoint.config().vocabSize(), positions,
                setup.prefillChunk(), false, 0);
        return new Session(this, model);
    }

    /** A request the model can take: one token at least, within the context, and a max tokens of 0 or more. */
    void requireRequest(int[] promptIds, int maxTokens) {
        ModelConfig config = checkpoint.config();
        if (promptIds.length == 0) {
            throw new GenerationException("the prompt must have at least one token (BOS)");
        }
        if (promptIds.length > config.maxPositions()) {
            throw new GenerationException("prompt is " + promptIds.length + " tokens but the model's context"
                    + " (max_position_embeddings) is " + config.maxPositions() + " tokens");
        }
        if (maxTokens < 0) {
            throw new GenerationException("max tokens must be >= 0, found " + maxTokens);
        }
    }

    /**
     * Runs a request through the step loop, streaming its text to {@code listener}.
     *
     * @param reused prompt positions the decoder's model already held in its KV cache (not prefilled)
     */
    Generation run(int[] promptIds, int maxTokens, Decoder decoder, TokenListener listener, int reused) {
        StreamingDecoder text = checkpoint.tokenizer().streamAfter(promptIds);
        var bytes = new ByteArrayOutputStream();
        listener.onStart(promptIds);
        StepLoop.Outcome outcome = StepLoop.run(promptIds, maxTokens, checkpoint.config().maxPositions(),
                stopTokens(), decoder, engine == null ? null
                        : new StepLoop.Timing(engine, draftEngine, setup.options().offloadSteps(),
                                setup.timing() == Timing.TRACED),
                new StepListener() {
                    @Override
                    public void onStep(StepRecord record) {
                        listener.onStep(record);
                    }

                    @Override
                    public void onToken(int index, int token, float[] logits) {
                        byte[] piece = text.next(token);
                        bytes.writeBytes(piece);
                        listener.onToken(index, token, logits, piece);
                    }

                    @Override
                    public void onStopToken(int token, float[] logits) {
                        listener.onStopToken(token, logits);
                    }
                });
        byte[] rest = text.finish();
        bytes.writeBytes(rest);
        listener.onEnd(rest);
        return new Generation(promptIds, outcome.generated(), bytes.toByteArray(), outcome.stopReason(),
                outcome.steps(), outcome.hostNanos(), outcome.timingNanos(),
                decoder instanceof SpeculativeDecoder s ? s.stats() : null, reused);
    }

    /**
     * The logits after each of {@code ids}, fed one position at a time from position 0 with a KV cache, as a
     * reference implementation's forward pass over a sequence gives them: row i scores the token that follows ids[i].
     * The passes run the compiled schedules functionally; nothing is sampled or timed.
     */
    public float[][] score(int[] ids) {
        int positions = ids.length;
        if (positions == 0 || positions > checkpoint.config().maxPositions()) {
            throw new GenerationException("scoring needs 1 to " + checkpoint.config().maxPositions()
                    + " (max_position_embeddings) tokens, found " + positions);
        }
        var model = new ChipModel(executor(schedules, checkpoint, positions, "scoring " + positions + " tokens"),
                checkpoint.config().vocabSize(), positions, 1, false, 0);
        float[][] rows = model.forward(ids, 0);
        rows[positions - 1] = rows[positions - 1].clone(); // the executor's buffer, overwritten by the next pass
        return rows;
    }

    /** The model's eos ids and the setup's stop tokens. */
    private Set<Integer> stopTokens() {
        Set<Integer> stops = new HashSet<>(checkpoint.config().eosTokenIds());
        stops.addAll(setup.stopTokens());
        return stops;
    }

    private static int reachable(ModelConfig config, int prompt, int maxTokens) {
        return (int) Math.min(config.maxPositions(), (long) prompt + maxTokens);
    }

    /** @param what the run the executor's positions are for, to name in an error */
    private FunctionalExecutor executor(List<Schedule> socketSchedules, Checkpoint model, int positions, String what) {
        try {
            return new FunctionalExecutor(socketSchedules, model.weights().ropeLayout(), model.config().vocabSize(),
                    positions);
        } catch (IllegalArgumentException e) {
            throw new GenerationException(what + ": " + e.getMessage());
        }
    }

    private static String request(int[] promptIds, int maxTokens) {
        return "a prompt of " + promptIds.length + " tokens and " + maxTokens + " max tokens";
    }

    private Decoder decoder(ChipModel target, int[] promptIds, int maxTokens, Sampler sampler) {
        PlainDecoder plain = new PlainDecoder(target, sampler);
        Speculation speculation = setup.speculation();
        if (speculation == null) {
            return plain;
        }
        Speculation.requireSampler(sampler);
        var random = new SplittableRandom(sampler.seed());
        ChipModel draft = null;
        Drafter drafter;
        if (speculation.method() == Speculation.Method.NGRAM) {
            drafter = new NgramDrafter(speculation.n(), target.vocabSize());
        } else {
            Checkpoint model = speculation.draft() != null ? speculation.draft() : checkpoint;
            int positions = reachable(model.config(), promptIds.length, maxTokens);
            draft = new ChipModel(executor(draftSchedules, model, positions, request(promptIds, maxTokens)),
                    target.vocabSize(), positions, setup.prefillChunk(), true, promptIds.length);
            drafter = new DraftModelDrafter(draft, sampler.temperature(), random.split());
        }
        Verifier verifier = sampler.temperature() == 0 ? new GreedyVerifier()
                : new StochasticVerifier(sampler.temperature(), random.split());
        int maxLength = (int) Math.min((long) promptIds.length + maxTokens, checkpoint.config().maxPositions() + 1L);
        var step = new SpeculativeStep(target, drafter, verifier, speculation.k(), maxLength,
                stopTokens().stream().mapToInt(Integer::intValue).toArray());
        return new SpeculativeDecoder(target, draft, plain, step);
    }
}
