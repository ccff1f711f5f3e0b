package rdu.reproduce;

import java.util.HashMap;
import java.util.Map;
import rdu.chip.Chip;
import rdu.memory.CapacityException;
import rdu.report.TimingSummary;
import rdu.runtime.StepRecord;
import rdu.schedule.ScheduleOptions;
import rdu.simulate.Simulation;
import rdu.tensor.DType;
import rdu.timing.Pass;
import rdu.timing.StepTiming;

/**
 * Timing-only decode runs in the papers' storage type ({@link #storage}), each done once: several rows share a
 * configuration (row 8's runs feed row 9).
 */
final class Runs {

    private record Key(String model, Chip chip, int sockets, ScheduleOptions options, int context, int tokens) {
    }

    private record SpeculativeKey(Pair pair, int k, Chip chip, int sockets, ScheduleOptions options, int context,
                                  int steps) {
    }

    /**
     * The first steps of a speculative run, every one drafting k tokens (the request goes on long enough that none
     * is cut at its end), so that they compare with as many plain decode steps: one ScheduleOffloading window each.
     *
     * @param tokensPerSecond committed tokens of all samples per second of the steps' modeled time
     * @param tokensPerStep   committed tokens per step, per sample
     * @param stepNs          mean time of a step: its k draft passes, its verify pass, and the host's turns
     * @param draftPassNs     mean time of one draft pass
     * @param verifyPassNs    mean time of one verify pass (k + 1 positions)
     * @param draftShare      the draft passes' share of the steps' time
     */
    record Speculative(double tokensPerSecond, double tokensPerStep, double stepNs, double draftPassNs,
                       double verifyPassNs, double draftShare) {
    }

    private final Map<Key, TimingSummary> done = new HashMap<>();
    private final Map<SpeculativeKey, Speculative> speculativeDone = new HashMap<>();

    TimingSummary run(String model, Chip chip, int sockets, ScheduleOptions options, int context, int tokens) {
        return done.computeIfAbsent(new Key(model, chip, sockets, options, context, tokens), k ->
                simulation(model, chip, sockets, options, context, tokens).run(false, timing -> { }));
    }

    /**
     * Whether the model's weights and KV cache for this run fit the sockets' HBM (the papers never spill to DDR); a
     * run that fits is done and kept, as {@link #run} would.
     */
    boolean fits(String model, Chip chip, int sockets, ScheduleOptions options, int context, int tokens) {
        try {
            run(model, chip, sockets, options, context, tokens);
            return true;
        } catch (CapacityException tooBig) {
            return false;
        }
    }

    /**
     * The first {@code steps} steps of the pair's speculative decoding with drafts of k tokens, the draft placed
     * beside the target on every socket; throws {@link CapacityException} when the two do not fit together.
     */
    Speculative speculative(Pair pair, int k, Chip chip, int sockets, ScheduleOptions options, int context,
                            int steps) {
        return speculativeDone.computeIfAbsent(new SpeculativeKey(pair, k, chip, sockets, options, context, steps),
                key -> {
                    // the first `steps` steps commit floor(steps * E) tokens; k + 1 more leave the last of them room
                    // for a whole draft
                    int tokens = (int) Math.floor(steps * pair.acceptance().expectedCommitted(k)) + k + 1;
                    var window = new Window(steps);
                    simulation(pair.target(), chip, sockets, options, context, tokens)
                            .withSpeculation(pair.draft(), k, pair.acceptance()).run(false, window::add);
                    return window.result(options.batch());
                });
    }

    /** Whether target and draft fit the sockets' HBM together; a run that fits is done and kept. */
    boolean fits(Pair pair, int k, Chip chip, int sockets, ScheduleOptions options, int context, int steps) {
        try {
            speculative(pair, k, chip, sockets, options, context, steps);
            return true;
        } catch (CapacityException tooBig) {
            return false;
        }
    }

    /** Bytes of all of a model's weights, on all sockets together, in its storage type. */
    static long weightBytes(String model, Chip chip) {
        return simulation(model, chip, 1, ScheduleOptions.defaults(), 0, 1).weightBytes();
    }

    /** What the first steps of a run add up to, as the run's records come. */
    private static final class Window {
        private final int steps;
        private double ns;
        private long tokens;
        private double draftNs;
        private int draftPasses;
        private double verifyNs;

        Window(int steps) {
            this.steps = steps;
        }

        void add(StepRecord record) {
            if (record.index() >= steps) {
                return;
            }
            ns += record.durationNs();
            tokens += record.tokens();
            for (StepTiming t : record.timings()) {
                if (t.pass().phase() == Pass.Phase.DRAFT) {
                    draftNs += t.durationNs();
                    draftPasses++;
                } else if (t.pass().phase() == Pass.Phase.VERIFY) {
                    verifyNs += t.durationNs();
                }
            }
        }

        Speculative result(int batch) {
            return new Speculative(tokens * batch / (ns / 1e9), (double) tokens / steps, ns / steps,
                    draftNs / draftPasses, verifyNs / steps, draftNs / ns);
        }
    }

    private static Simulation simulation(String model, Chip chip, int sockets, ScheduleOptions options, int context,
                                         int tokens) {
        return Simulation.of(model, chip, sockets, options, storage(model), context, tokens, false, false);
    }

    /** The papers' storage type: FP8 for the models published in FP8 (MLSys'26 section 4), BF16 for the rest. */
    static DType storage(String model) {
        return Reproduction.FP8_MODELS.contains(model) ? DType.F8_E4M3 : DType.BF16;
    }
}
