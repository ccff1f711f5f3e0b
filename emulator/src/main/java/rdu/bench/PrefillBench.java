package rdu.bench;

import java.nio.file.Path;
import rdu.chip.Chip;
import rdu.cost.CostModel;
import rdu.generate.Generator;
import rdu.generate.TokenListener;
import rdu.graph.Node;
import rdu.graph.Part;
import rdu.model.Checkpoint;
import rdu.model.ModelConfig;
import rdu.runtime.GenerationException;
import rdu.runtime.StepRecord;
import rdu.sampling.Sampler;
import rdu.schedule.KernelCall;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;

/**
 * Host prompt-processing speed of a checkpoint on the functional path, one socket: the prefill step of a request
 * (through the one step loop, timing off) with the prompt in one pass (each weight read once for all positions) and
 * in passes of one position, as decode feeds them. Each run times both on fresh KV caches, one after the other, so
 * both see the same machine load.
 *
 * @param passPositionsPerSecond positions/s of the single pass, per measured run (after warm-up runs)
 * @param stepPositionsPerSecond positions/s of the single-position steps, per measured run
 * @param passFlops              floating-point operations of the single pass, as {@link #passFlops} counts them
 */
public record PrefillBench(Path model, int positions, double[] passPositionsPerSecond,
                           double[] stepPositionsPerSecond, double passFlops) {

    public double medianPass() {
        return DecodeBench.median(passPositionsPerSecond);
    }

    public double medianSteps() {
        return DecodeBench.median(stepPositionsPerSecond);
    }

    /** The single pass's FLOP/s at its median speed. */
    public double medianPassFlopsPerSecond() {
        return medianPass() / positions * passFlops;
    }

    /**
     * Floating-point operations the host does in a pass of {@code positions} positions from position 0, by the cost
     * model's counts (2 per weight and row for a matrix product, 4 per head dimension and attended position for
     * attention, and the element-wise operators'): every operator over all rows, but the classifier and sampling over
     * the last row only, as the functional path runs a prefill (it needs the last position's logits alone).
     */
    static double passFlops(Schedule schedule, ModelConfig config, int positions) {
        double flops = 0;
        for (KernelCall call : schedule.calls()) {
            for (Node node : call.nodes()) {
                boolean lastRowOnly = node.part() == Part.CLASSIFIER || node.part() == Part.SAMPLING;
                flops += lastRowOnly ? CostModel.of(node.op(), config, 1, positions - 1, 1).flops()
                        : CostModel.of(node.op(), config, 1, 0, positions).flops();
            }
        }
        return flops;
    }

    public static PrefillBench run(Path model, Chip chip, int positions, int warmups, int runs) {
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            ModelConfig config = checkpoint.config();
            if (positions < 1 || positions > config.maxPositions()) {
                throw new GenerationException(positions + " positions asked for, but the model's context"
                        + " (max_position_embeddings) is " + config.maxPositions() + " positions");
            }
            // the ids do not change the work: BOS, then ids counting up through the vocabulary
            int[] tokens = new int[positions];
            for (int i = 0; i < positions; i++) {
                tokens[i] = (config.bosTokenId() + i) % config.vocabSize();
            }
            var setup = Generator.Setup.of(chip, ScheduleOptions.defaults()).withTiming(Generator.Timing.OFF);
            var onePass = new Generator(checkpoint, setup.withPrefillChunk(positions));
            var oneByOne = new Generator(checkpoint, setup.withPrefillChunk(1));
            double[] pass = new double[runs];
            double[] steps = new double[runs];
            for (int r = -warmups; r < runs; r++) {
                long passNanos = prefillNanos(onePass, tokens);
                long stepNanos = prefillNanos(oneByOne, tokens);
                if (r >= 0) {
                    pass[r] = positions * 1e9 / passNanos;
                    steps[r] = positions * 1e9 / stepNanos;
                }
            }
            return new PrefillBench(model, positions, pass, steps, passFlops(onePass.schedule(), config, positions));
        }
    }

    /**
     * Host time of the request's first step, the prefill of {@code tokens} (and the sampling of one token), from a
     * collected heap: the last run's KV cache and buffers are garbage in the old generation, which a short run never
     * collects, so without the collection every run promoted its KV cache into the old generation's untouched pages
     * (a young collection of 4-11 ms instead of under 1, and a process that grew by a KV cache per run).
     */
    private static long prefillNanos(Generator generator, int[] tokens) {
        System.gc();
        long[] nanos = new long[1];
        generator.generate(tokens, 1, new Sampler(0, 0, 1, 1), new TokenListener() {
            @Override
            public void onToken(int index, int token, float[] logits, byte[] text) {
            }

            @Override
            public void onStep(StepRecord step) {
                nanos[0] = step.hostNanos();
            }
        });
        return nanos[0];
    }
}
