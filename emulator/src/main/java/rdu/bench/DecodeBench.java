package rdu.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import rdu.chip.Chip;
import rdu.generate.Generation;
import rdu.generate.Generator;
import rdu.generate.Speculation;
import rdu.generate.TokenListener;
import rdu.model.Checkpoint;
import rdu.runtime.StepRecord;
import rdu.sampling.Sampler;
import rdu.schedule.ScheduleOptions;

/**
 * Host decode speed of a checkpoint on the functional path: repeated greedy generations from BOS, the median
 * tokens/s, and the weight bytes each token streams, hence the achieved host bandwidth.
 *
 * @param tokensPerSecond   host tokens/s of each measured run (after warm-up runs)
 * @param weightBytesPerToken weight bytes one decode step reads (every matrix, every norm, one embedding row)
 * @param peakRssBytes      the process's peak resident set (VmHWM) after the runs; 0 where /proc is absent
 * @param checkpointBytes   size of the checkpoint's files on disk
 * @param timingOverheads   per measured run, host time in the timing model / host time in functional work
 * @param tokensPerStep     per measured run, generated tokens per step (1 but for speculation, which commits more)
 * @param allocatedBytesPerToken heap bytes all threads allocated over the measured runs, per token generated (the KV
 *                          cache's pages included); -1 where the JVM does not count them. A kernel whose vectors the
 *                          JIT boxes shows here as kilobytes per token more
 * @param stepTimes         how the host time of the measured runs' steps spreads
 */
public record DecodeBench(Path model, double[] tokensPerSecond, long weightBytesPerToken, long peakRssBytes,
                          long checkpointBytes, double[] timingOverheads, double[] tokensPerStep,
                          long allocatedBytesPerToken, StepTimes stepTimes) {

    public double medianTimingOverhead() {
        return median(timingOverheads);
    }

    public double medianTokensPerSecond() {
        return median(tokensPerSecond);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Bytes of weights streamed per second at the median speed. */
    public double bytesPerSecond() {
        return medianTokensPerSecond() * weightBytesPerToken;
    }

    /**
     * How the runs speculate: with a draft model at {@code draft}, or by {@code spec} ({@code ngram[:N]},
     * {@code layerskip:L}), drafts of up to k tokens; null for plain decoding.
     */
    public record Speculating(Path draft, String spec, int k) {
    }

    public static DecodeBench run(Path model, Chip chip, Generator.Timing timing, int tokens, int warmups, int runs) {
        return run(model, null, chip, timing, tokens, warmups, runs);
    }

    public static DecodeBench run(Path model, Speculating speculating, Chip chip, Generator.Timing timing, int tokens,
                                  int warmups, int runs) {
        try (Checkpoint checkpoint = Checkpoint.open(model);
             Checkpoint draft = speculating == null || speculating.draft() == null ? null
                     : Checkpoint.open(speculating.draft())) {
            Speculation speculation = speculating == null ? null : draft != null
                    ? Speculation.draftModel(draft, speculating.k()) : Speculation.parse(speculating.spec(),
                    speculating.k());
            var generator = new Generator(checkpoint, Generator.Setup.of(chip, ScheduleOptions.defaults())
                    .withTiming(timing).withSpeculation(speculation));
            int[] bos = {checkpoint.config().bosTokenId()};
            var greedy = new Sampler(0, 0, 1, 1);
            double[] speeds = new double[runs];
            double[] overheads = new double[runs];
            double[] tokensPerStep = new double[runs];
            long allocatedBefore = 0;
            long generated = 0;
            var stepNanos = new Histogram(3);
            for (int r = -warmups; r < runs; r++) {
                // the last run's KV cache and buffers are garbage in the old generation, which a short run never
                // collects: without this, peak RSS grew by a KV cache per run
                System.gc();
                if (r == 0) {
                    allocatedBefore = allocatedBytes();
                }
                boolean measured = r >= 0;
                Generation g = generator.generate(bos, tokens, greedy, new TokenListener() {
                    @Override
                    public void onToken(int index, int token, float[] logits, byte[] text) {
                    }

                    @Override
                    public void onStep(StepRecord step) {
                        if (measured) {
                            stepNanos.recordValue(step.hostNanos());
                        }
                    }
                });
                if (measured) {
                    generated += g.generatedIds().length;
                    speeds[r] = g.hostTokensPerSecond();
                    overheads[r] = g.timingOverhead();
                    tokensPerStep[r] = (double) g.generatedIds().length / g.steps();
                }
            }
            long allocated = allocatedBytes();
            return new DecodeBench(model, speeds, generator.schedule().weightBytesPerStep(),
                    peakRss(), filesBytes(checkpoint.source()), overheads, tokensPerStep,
                    allocated < 0 || allocatedBefore < 0 ? -1 : (allocated - allocatedBefore) / Math.max(1, generated),
                    StepTimes.of(stepNanos));
        }
    }

    /** Heap bytes allocated so far by all live threads, or -1 where the JVM does not count them. */
    private static long allocatedBytes() {
        return ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()
                ? threads.getTotalThreadAllocatedBytes() : -1;
    }


    /** VmHWM of /proc/self/status: the peak resident set, mapped file pages included. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    private static long filesBytes(Path source) {
        Path dir = Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return 0;
        }
    }
}
