package rdu.reproduce;

import java.util.HashMap;
import java.util.Map;
import rdu.chip.Chip;
import rdu.memory.CapacityException;
import rdu.report.TimingSummary;
import rdu.schedule.ScheduleOptions;
import rdu.simulate.Simulation;
import rdu.tensor.DType;

/**
 * Timing-only decode runs in the papers' storage type ({@link #storage}), each done once: several rows share a
 * configuration (row 8's runs feed row 9).
 */
final class Runs {

    private record Key(String model, Chip chip, int sockets, ScheduleOptions options, int context, int tokens) {
    }

    private final Map<Key, TimingSummary> done = new HashMap<>();

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

    private static Simulation simulation(String model, Chip chip, int sockets, ScheduleOptions options, int context,
                                         int tokens) {
        return Simulation.of(model, chip, sockets, options, storage(model), context, tokens, false, false);
    }

    /** The papers' storage type: FP8 for the models published in FP8 (MLSys'26 section 4), BF16 for the rest. */
    static DType storage(String model) {
        return Reproduction.FP8_MODELS.contains(model) ? DType.F8_E4M3 : DType.BF16;
    }
}
