package rdu.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rdu.bench.DecodeBench;
import rdu.bench.MemoryBandwidth;
import rdu.bench.PrefillBench;
import rdu.bench.StepTimes;
import rdu.bench.SyntheticCheckpoint;
import rdu.chip.ChipFile;
import rdu.generate.Generator;
import rdu.runtime.GenerationException;

/** {@code rdu bench}: host speed and memory figures of the functional path (scripts/bench runs them all). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Host benchmarks: decode and prefill speed, memory bandwidth, synthetic checkpoints.",
        subcommands = {BenchCommand.Decode.class, BenchCommand.Prefill.class, BenchCommand.Memory.class,
                BenchCommand.Synthesize.class})
final class BenchCommand {

    /** The model and the run counts of a speed benchmark. */
    static final class Runs {

        @Option(names = "--model", paramLabel = "PATH", description = "Checkpoint (as for rdu generate).")
        Path model;

        @Option(names = "--warmups", defaultValue = "3", description = "Unmeasured runs first, for the JIT"
                + " (default: ${DEFAULT-VALUE}).")
        int warmups;

        @Option(names = "--runs", defaultValue = "7", description = "Measured runs (default: ${DEFAULT-VALUE}).")
        int runs;
    }

    @Command(name = "decode", mixinStandardHelpOptions = true,
            description = "Median host tokens/s of greedy decoding from BOS, achieved weight-streaming bandwidth and"
                    + " peak resident memory.")
    static final class Decode implements Runnable {

        @Mixin
        Runs bench;

        @Option(names = "--tokens", defaultValue = "128", description = "Tokens per run (default: ${DEFAULT-VALUE}).")
        int tokens;

        @Option(names = "--timing", defaultValue = "ON", description = "Timing model alongside the functional"
                + " path: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        Generator.Timing timing;

        @Option(names = "--draft", paramLabel = "PATH", description = "Speculate with this draft model.")
        Path draft;

        @Option(names = "--spec", paramLabel = "ngram[:N]|layerskip:L", description = "Speculate without a second"
                + " model (as rdu generate --spec).")
        String spec;

        @Mixin
        SpecKMixin specK;

        @Override
        public void run() {
            if (tokens < 1 || bench.runs < 1 || bench.warmups < 0) {
                throw new Rdu.UsageException("--tokens and --runs must be >= 1, --warmups >= 0");
            }
            Path path = ModelLocator.locate(bench.model);
            System.err.printf("decoding %d tokens x (%d warm-up + %d measured) runs of %s...%n", tokens,
                    bench.warmups, bench.runs, path);
            if (draft != null && spec != null) {
                throw new Rdu.UsageException("--draft and --spec are two drafting methods: give one");
            }
            boolean speculating = draft != null || spec != null;
            int k = specK.k(speculating, "--draft or --spec");
            DecodeBench b;
            try {
                b = DecodeBench.run(path, speculating ? new DecodeBench.Speculating(
                                draft == null ? null : ModelLocator.locate(draft), spec, k) : null,
                        ChipFile.load(ChipFile.DEFAULT), timing, tokens, bench.warmups, bench.runs);
            } catch (GenerationException e) {
                throw new Rdu.UsageException(e.getMessage());
            }
            System.out.printf(Locale.ROOT, "model %s (timing model %s)%s%n", b.model(), timing, !speculating ? ""
                    : draft != null ? ", draft model " + draft + ", k " + k : ", --spec " + spec + ", k " + k);
            System.out.printf(Locale.ROOT, "  host decode: median %.1f tokens/s over %d runs (each: %s)%n",
                    b.medianTokensPerSecond(), bench.runs, formatAll(b.tokensPerSecond()));
            if (speculating) {
                System.out.printf(Locale.ROOT, "  tokens per step: %s%n", formatAll(b.tokensPerStep()));
            }
            if (timing != Generator.Timing.OFF) {
                System.out.printf(Locale.ROOT, "  timing model: median %.1f%% of the functional path's host time%n",
                        100 * b.medianTimingOverhead());
            }
            System.out.printf(Locale.ROOT, "  weights streamed per token: %,d bytes -> %.2f GB/s at the median%n",
                    b.weightBytesPerToken(), b.bytesPerSecond() / 1e9);
            StepTimes t = b.stepTimes();
            System.out.printf(Locale.ROOT, "  host step time: p50 %.2f ms, p90 %.2f, p99 %.2f, max %.2f; %d of %d steps"
                    + " over twice the median, %.1f%% of the time beyond it%n", t.p50Nanos() / 1e6, t.p90Nanos() / 1e6,
                    t.p99Nanos() / 1e6, t.maxNanos() / 1e6, t.stalledSteps(), t.steps(), 100 * t.stalledShare());
            if (b.allocatedBytesPerToken() >= 0) {
                System.out.printf(Locale.ROOT, "  heap allocated per token: %,d bytes (measured runs, all threads)%n",
                        b.allocatedBytesPerToken());
            }
            System.out.printf(Locale.ROOT, "  checkpoint files: %,d bytes; peak RSS: %,d bytes (%+,.0f MB over the"
                    + " checkpoint)%n", b.checkpointBytes(), b.peakRssBytes(),
                    (b.peakRssBytes() - b.checkpointBytes()) / 1e6);
        }

        private static String formatAll(double[] values) {
            var s = new StringBuilder();
            for (double v : values) {
                s.append(s.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "%.1f", v));
            }
            return s.toString();
        }
    }

    @Command(name = "prefill", mixinStandardHelpOptions = true,
            description = "Median host positions/s of a prompt fed as one forward pass against the same positions"
                    + " fed one at a time (one socket, no timing model).")
    static final class Prefill implements Runnable {

        @Mixin
        Runs bench;

        @Option(names = "--positions", defaultValue = "256", description = "Prompt positions per run, at most the"
                + " model's context (default: ${DEFAULT-VALUE}).")
        int positions;

        @Override
        public void run() {
            if (positions < 1 || bench.runs < 1 || bench.warmups < 0) {
                throw new Rdu.UsageException("--positions and --runs must be >= 1, --warmups >= 0");
            }
            Path path = ModelLocator.locate(bench.model);
            System.err.printf("prefilling %d positions x (%d warm-up + %d measured) runs of %s...%n", positions,
                    bench.warmups, bench.runs, path);
            PrefillBench b = PrefillBench.run(path, ChipFile.load(ChipFile.DEFAULT), positions, bench.warmups,
                    bench.runs);
            System.out.printf(Locale.ROOT, "model %s, %d positions%n", b.model(), b.positions());
            System.out.printf(Locale.ROOT, "  one pass:             median %.1f positions/s over %d runs"
                    + " (each: %s)%n", b.medianPass(), bench.runs, Decode.formatAll(b.passPositionsPerSecond()));
            System.out.printf(Locale.ROOT, "  one pass computes:    %.2f GFLOP/s at the median (%.2f GFLOP a pass: matrix"
                    + " products, attention and element-wise operators, the classifier on the last position only)%n",
                    b.medianPassFlopsPerSecond() / 1e9, b.passFlops() / 1e9);
            System.out.printf(Locale.ROOT, "  position by position: median %.1f positions/s (each: %s)%n",
                    b.medianSteps(), Decode.formatAll(b.stepPositionsPerSecond()));
            System.out.printf(Locale.ROOT, "  one pass is %.2fx faster%n", b.medianPass() / b.medianSteps());
        }
    }

    @Command(name = "memory", mixinStandardHelpOptions = true,
            description = "The host's memory read bandwidth: vector loads over an off-heap buffer on all cores.")
    static final class Memory implements Runnable {

        @Option(names = "--gigabytes", defaultValue = "1", description = "Buffer size (default: ${DEFAULT-VALUE}).")
        double gigabytes;

        @Option(names = "--passes", defaultValue = "10", description = "Passes; the best counts"
                + " (default: ${DEFAULT-VALUE}).")
        int passes;

        @Override
        public void run() {
            if (!(gigabytes >= 0.01) || passes < 1) {
                throw new Rdu.UsageException("--gigabytes must be >= 0.01 (far larger than the caches is the point)"
                        + " and --passes >= 1");
            }
            MemoryBandwidth.Result bandwidth = MemoryBandwidth.measure((long) (gigabytes * 1e9), passes);
            System.out.printf(Locale.ROOT, "host memory read bandwidth: best %.2f GB/s, median %.2f GB/s (%d passes"
                    + " over %.1f GB)%n", bandwidth.best() / 1e9, bandwidth.median() / 1e9, passes, gigabytes);
        }
    }

    @Command(name = "synthesize", mixinStandardHelpOptions = true,
            description = "Writes a random BF16 Llama-architecture checkpoint of about the given size (benchmarks"
                    + " only: its text is noise).")
    static final class Synthesize implements Runnable {

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write.")
        Path out;

        @Option(names = "--gigabytes", defaultValue = "1", description = "Approximate size (default: ${DEFAULT-VALUE}).")
        double gigabytes;

        @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--tokenizer", paramLabel = "FILE",
                description = "tokenizer.json to borrow (default: the shared stories260K-hf one, 512 ids).")
        Path tokenizer;

        @Option(names = "--vocab", defaultValue = "512", description = "Its vocabulary size (default: ${DEFAULT-VALUE}).")
        int vocab;

        @Override
        public void run() {
            Path tok = tokenizer != null ? tokenizer
                    : ModelLocator.sharedDirectory().resolve(ModelLocator.DEFAULT_SHARED_MODEL).resolve("tokenizer.json");
            if (!Files.isRegularFile(tok)) {
                throw new Rdu.UsageException("tokenizer " + tok + " not found: pass --tokenizer FILE");
            }
            if (!(gigabytes > 0)) {
                throw new Rdu.UsageException("--gigabytes must be > 0");
            }
            System.err.printf(Locale.ROOT, "writing a %.1f GB synthetic checkpoint to %s...%n", gigabytes, out);
            try {
                int layers = SyntheticCheckpoint.write(out, (long) (gigabytes * 1e9), seed, tok, vocab);
                System.err.printf("wrote %d layers to %s%n", layers, out);
            } catch (IOException e) {
                throw new UncheckedIOException("writing " + out, e);
            }
        }
    }
}
