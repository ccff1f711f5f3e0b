package rdu.generate;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.IntStream;
import rdu.chip.Chip;
import rdu.executor.FunctionalExecutor;
import rdu.graph.TensorParallel;
import rdu.memory.SocketMemory;
import rdu.model.Checkpoint;
import rdu.model.CheckpointException;
import rdu.model.ModelConfig;
import rdu.sampling.Sampler;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;
import rdu.tensor.DType;
import rdu.tensor.Tensor;
import rdu.timing.Pass;
import rdu.timing.StepTiming;
import rdu.timing.TimingEngine;
import rdu.tokenizer.StreamingDecoder;

/**
 * Autoregressive generation on the emulated chip, with llama2.c run.c's semantics: the prompt (BOS first) is fed one
 * position at a time; from the last prompt position on, each step's sampled token is the next input; generation
 * stops at {@code maxTokens} generated tokens, at a stop token (not emitted), or when the context is full.
 */
public final class Generator {

    /** Whether generation also runs the timing engine, and whether it keeps every slice for a trace. */
    public enum Timing {
        OFF,
        ON,
        TRACED
    }

    private final Checkpoint checkpoint;
    private final List<Schedule> schedules = new ArrayList<>();
    private final Timing timing;
    private final TimingEngine engine;

    /** The weight dtypes the functional kernels widen to FP32. */
    static final Set<DType> COMPUTABLE = EnumSet.of(DType.F32, DType.BF16, DType.F16);

    /** Places the checkpoint in socket 0's memory and compiles its decode schedule. */
    public Generator(Checkpoint checkpoint, Chip chip, ScheduleOptions options, Timing timing) {
        this(checkpoint, chip, options, timing, 1);
    }

    /**
     * Splits the checkpoint over {@code sockets} sockets by tensor parallelism (views on its tensors, no copies),
     * places each socket's shard in that socket's memory and compiles each socket's schedule. Sockets are alike, so
     * socket 0's schedule is the one timed.
     */
    public Generator(Checkpoint checkpoint, Chip chip, ScheduleOptions options, Timing timing, int sockets) {
        for (Tensor t : checkpoint.weights().all()) {
            if (!COMPUTABLE.contains(t.dtype())) {
                throw new CheckpointException(checkpoint.source(), "tensor \"" + t.name() + "\" dtype",
                        "one of " + COMPUTABLE + " for functional generation", t.dtype().toString());
            }
        }
        this.checkpoint = checkpoint;
        if (options.batch() != 1) {
            throw new GenerationException("functional generation decodes one sequence (batch 1); found batch "
                    + options.batch());
        }
        if (sockets < 1) {
            throw new GenerationException("sockets must be >= 1, found " + sockets);
        }
        for (int s = 0; s < sockets; s++) {
            TensorParallel.Shard shard;
            try {
                shard = TensorParallel.slice(checkpoint.config(), checkpoint.weights(), sockets, s);
            } catch (IllegalArgumentException e) {
                throw new GenerationException(e.getMessage());
            }
            var memory = new SocketMemory(s, chip.hbmBytes(), chip.ddrBytes());
            schedules.add(Schedule.compile(TensorParallel.graph(shard), options, memory));
        }
        this.timing = timing;
        this.engine = timing == Timing.OFF ? null : new TimingEngine(chip, schedules.getFirst());
    }

    /** Socket 0's schedule: the one timed. */
    public Schedule schedule() {
        return schedules.getFirst();
    }

    /** The timing engine, or null when timing is off. */
    public TimingEngine timingEngine() {
        return engine;
    }

    /** Encodes {@code prompt} with the checkpoint's tokenizer and generates from it. */
    public Generation generate(String prompt, int maxTokens, Sampler sampler, TokenListener listener) {
        return generate(checkpoint.tokenizer().encode(prompt), maxTokens, sampler, listener);
    }

    public Generation generate(int[] promptIds, int maxTokens, Sampler sampler, TokenListener listener) {
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
        if (engine != null) {
            engine.reset();
        }
        // the positions this run can reach, not the model's whole context (which may be billions): the host KV cache
        // holds only these, and the generated ids grow as they come, however large maxTokens is
        int positions = (int) Math.min(config.maxPositions(), (long) promptIds.length + maxTokens);
        FunctionalExecutor executor;
        try {
            executor = new FunctionalExecutor(schedules, checkpoint.weights().ropeLayout(), sampler,
                    config.vocabSize(), positions);
        } catch (IllegalArgumentException e) {
            throw new GenerationException("a prompt of " + promptIds.length + " tokens and " + maxTokens
                    + " max tokens: " + e.getMessage());
        }
        StreamingDecoder decoder = checkpoint.tokenizer().streamAfter(promptIds);
        var text = new ByteArrayOutputStream();
        IntStream.Builder generated = IntStream.builder();
        int count = 0;
        StopReason reason = StopReason.MAX_TOKENS;
        long hostNanos = 0;
        int steps = 0;
        double modeledNs = 0;
        long timingNanos = 0;

        listener.onStart(promptIds);
        int token = promptIds[0];
        for (int pos = 0; count < maxTokens; pos++) {
            if (pos == config.maxPositions()) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            boolean inPrompt = pos < promptIds.length - 1;
            long start = System.nanoTime();
            int sampled = executor.step(token, pos, !inPrompt);
            long functionalEnd = System.nanoTime();
            StepTiming modeled = engine == null ? null : engine.pass(pos, new Pass(Pass.Phase.DECODE, pos, 1),
                    pos % schedule().options().offloadSteps() == 0, modeledNs, timing == Timing.TRACED);
            long end = System.nanoTime();
            hostNanos += end - start;
            timingNanos += end - functionalEnd;
            steps++;
            if (modeled != null) {
                modeledNs = modeled.endNs();
                listener.onTiming(modeled, inPrompt ? promptIds[pos + 1] : sampled, !inPrompt);
            }
            if (inPrompt) {
                token = promptIds[pos + 1];
                continue;
            }
            requireFinite(executor.logits(), pos);
            if (config.eosTokenIds().contains(sampled)) {
                listener.onStopToken(sampled, executor.logits());
                reason = StopReason.STOP_TOKEN;
                break;
            }
            byte[] piece = decoder.next(sampled);
            text.writeBytes(piece);
            listener.onToken(count, sampled, executor.logits(), piece);
            generated.add(sampled);
            count++;
            token = sampled;
        }
        byte[] rest = decoder.finish();
        text.writeBytes(rest);
        listener.onEnd(rest);
        return new Generation(promptIds, generated.build().toArray(), text.toByteArray(), reason,
                steps, hostNanos, timingNanos);
    }

    /**
     * A checkpoint with NaN or infinite weights gives logits no token can be chosen from (greedy would print token 0
     * forever): refuse at the first such step instead of printing garbage.
     */
    private static void requireFinite(float[] logits, int step) {
        for (int id = 0; id < logits.length; id++) {
            if (!Float.isFinite(logits[id])) {
                throw new GenerationException("step " + step + ": the checkpoint produced non-finite logits (NaN or"
                        + " infinity; token " + id + "'s is " + logits[id] + "), so no token can be chosen: its"
                        + " weights are broken");
            }
        }
    }
}
