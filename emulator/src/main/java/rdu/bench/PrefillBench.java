package rdu.bench;

import java.nio.file.Path;
import java.util.List;
import rdu.chip.Chip;
import rdu.executor.FunctionalExecutor;
import rdu.generate.GenerationException;
import rdu.graph.TensorParallel;
import rdu.memory.SocketMemory;
import rdu.model.Checkpoint;
import rdu.model.ModelConfig;
import rdu.sampling.Sampler;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;

/**
 * Host prompt-processing speed of a checkpoint on the functional path, one socket: the same positions fed as one
 * forward pass (each weight read once for all of them) and one position at a time, as decode feeds them. Each run
 * times both on fresh KV caches, one after the other, so both see the same machine load.
 *
 * @param passPositionsPerSecond positions/s of the single pass, per measured run (after warm-up runs)
 * @param stepPositionsPerSecond positions/s of the single-position steps, per measured run
 */
public record PrefillBench(Path model, int positions, double[] passPositionsPerSecond,
                           double[] stepPositionsPerSecond) {

    public double medianPass() {
        return DecodeBench.median(passPositionsPerSecond);
    }

    public double medianSteps() {
        return DecodeBench.median(stepPositionsPerSecond);
    }

    public static PrefillBench run(Path model, Chip chip, int positions, int warmups, int runs) {
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            ModelConfig config = checkpoint.config();
            if (positions < 1 || positions > config.maxPositions()) {
                throw new GenerationException(positions + " positions asked for, but the model's context"
                        + " (max_position_embeddings) is " + config.maxPositions() + " positions");
            }
            var shard = TensorParallel.slice(config, checkpoint.weights(), 1, 0);
            var memory = new SocketMemory(0, chip.hbmBytes(), chip.ddrBytes());
            List<Schedule> schedules =
                    List.of(Schedule.compile(TensorParallel.graph(shard), ScheduleOptions.defaults(), memory));
            // the ids do not change the work: BOS, then ids counting up through the vocabulary
            int[] tokens = new int[positions];
            for (int i = 0; i < positions; i++) {
                tokens[i] = (config.bosTokenId() + i) % config.vocabSize();
            }
            double[] pass = new double[runs];
            double[] steps = new double[runs];
            for (int r = -warmups; r < runs; r++) {
                var executor = executor(schedules, checkpoint, positions);
                long start = System.nanoTime();
                executor.forward(tokens, 0);
                long passNanos = System.nanoTime() - start;
                executor = executor(schedules, checkpoint, positions);
                start = System.nanoTime();
                for (int pos = 0; pos < positions; pos++) {
                    executor.step(tokens[pos], pos, false);
                }
                long stepNanos = System.nanoTime() - start;
                if (r >= 0) {
                    pass[r] = positions * 1e9 / passNanos;
                    steps[r] = positions * 1e9 / stepNanos;
                }
            }
            return new PrefillBench(model, positions, pass, steps);
        }
    }

    /** A fresh executor: an empty KV cache. */
    private static FunctionalExecutor executor(List<Schedule> schedules, Checkpoint checkpoint, int positions) {
        return new FunctionalExecutor(schedules, checkpoint.weights().ropeLayout(), new Sampler(0, 0, 1, 1),
                checkpoint.config().vocabSize(), positions);
    }
}
