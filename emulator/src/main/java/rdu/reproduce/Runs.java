package rdu.reproduce;

import java.util.HashMap;
import java.util.Map;
import rdu.chip.Chip;
import rdu.memory.CapacityException;
import rdu.report.TimingSummary;
import rdu.schedule.ScheduleOptions;
import rdu.simulate.Simulation;
import rdu.tensor.DType;

/** Timing-only BF16 decode runs, each done once: several rows share a configuration (row 8's runs feed row 9). */
final class Runs {

    private record Key(String model, Chip chip, int sockets, ScheduleOptions options, int context, int tokens) {
    }

    private final Map<Key, TimingSummary> done = new HashMap<>();

    TimingSummary run(String model, Chip chip, int sockets, ScheduleOptions options, int context, int tokens) {
        return done.computeIfAbsent(new Key(model, chip, sockets, options, context, tokens), k ->
                simulation(model, chip, sockets, options, context, tokens).run(false, timing -> { }));
    }

    /** Whether the model's weights and KV cache fit the sockets' HBM (the papers never spill to DDR). */
    boolean fits(String model, Chip chip, int sockets, ScheduleOptions options, int context) {
        try {
            simulation(model, chip, sockets, options, context, 1).compile();
            return true;
        } catch (CapacityException tooBig) {
            return false;
        }
    }

    private static Simulation simulation(String model, Chip chip, int sockets, ScheduleOptions options, int context,
                                         int tokens) {
        return new Simulation(Simulation.loadModel(model, context, tokens), chip, sockets, options, DType.BF16, context,
                tokens, false);
    }
}
