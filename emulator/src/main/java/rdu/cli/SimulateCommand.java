package rdu.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rdu.catalog.ModelCatalog;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.graph.TensorParallel;
import rdu.memory.CapacityException;
import rdu.memory.SocketMemory;
import rdu.model.HfConfig;
import rdu.model.ModelConfig;
import rdu.report.TimingCsv;
import rdu.report.TimingSummary;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;
import rdu.tensor.DType;
import rdu.timing.StepTiming;
import rdu.timing.TimingEngine;
import rdu.trace.ChromeTrace;

/**
 * {@code rdu simulate}: timing-only decode from a model's config alone, for models far too large to load. Runs the
 * same graph, compiler, schedule and timing engine as {@code rdu generate}, with tensors that have shapes and no data.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Models decode time of a model on N sockets from its config.json alone (no weights).",
                "Catalog models: " + "llama-3.1-8b, llama-3.1-70b, llama-3.1-405b, llama-3.2-1b, llama-3.2-3b,"
                        + " qwen2.5-0.5b, qwen2.5-72b."})
final class SimulateCommand implements Callable<Integer> {

    /** FP8 weights are stored and streamed as one byte and widened before compute. */
    enum StorageType {
        BF16(DType.BF16), FP8(DType.F8_E4M3), F32(DType.F32);

        final DType dtype;

        StorageType(DType dtype) {
            this.dtype = dtype;
        }
    }

    @Option(names = "--model", required = true, paramLabel = "NAME|config.json",
            description = "A catalog model name, or a Hugging Face config.json (or the folder holding it).")
    String model;

    @Option(names = "--chip", paramLabel = "NAME|FILE", defaultValue = ChipFile.DEFAULT,
            description = "Chip description (default: ${DEFAULT-VALUE}).")
    String chipName;

    @Option(names = "--sockets", defaultValue = "1", description = "Sockets the model is split over by tensor"
            + " parallelism (default: ${DEFAULT-VALUE}).")
    int sockets;

    @Option(names = "--batch", defaultValue = "1", description = "Samples decoded together (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--context", defaultValue = "8192", paramLabel = "L",
            description = "Tokens already in the KV cache when decoding starts (default: ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--tokens", defaultValue = "128", paramLabel = "T",
            description = "Decode steps to model (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--dtype", defaultValue = "BF16", description = "Weight storage type: ${COMPLETION-CANDIDATES}"
            + " (default: ${DEFAULT-VALUE}).")
    StorageType dtype;

    @Option(names = "--allow-ddr", description = "Let weights that do not fit in HBM spill to DDR instead of"
            + " refusing the configuration.")
    boolean allowDdr;

    @Mixin
    ScheduleMixin scheduleOptions;

    @Option(names = "--trace", paramLabel = "FILE", description = "Chrome Trace Event JSON of the modeled schedule.")
    Path traceFile;

    @Option(names = "--timing-csv", paramLabel = "FILE", description = "One row per decode step.")
    Path csvFile;

    @Override
    public Integer call() {
        if (sockets < 1 || batch < 1 || context < 0 || tokens < 1) {
            throw new Rdu.UsageException("--sockets, --batch and --tokens must be >= 1 and --context >= 0");
        }
        Chip chip = ChipFile.load(chipName);
        ModelConfig full = withContext(HfConfig.read(ModelCatalog.config(model), HfConfig.LLAMA_LIKE),
                context + tokens);
        ScheduleOptions options = scheduleOptions.options(chip).withBatch(batch);
        Schedule schedule = compile(full, chip, sockets, options);
        var engine = new TimingEngine(chip, schedule);
        var summary = new TimingSummary(chip.name() + " x" + sockets + " (per socket)", batch, chip.hbmBandwidth(),
                engine.weightBytesPerStep());

        long hostStart = System.nanoTime();
        try (ChromeTrace trace = traceFile == null ? null : new ChromeTrace(traceFile, chip.name());
             TimingCsv csv = csvFile == null ? null : new TimingCsv(csvFile)) {
            double t = 0;
            for (int step = 0; step < tokens; step++) {
                int position = context + step;
                StepTiming timing = engine.step(step, position, t, trace != null);
                t = timing.endNs();
                summary.add(timing, engine.kvBytesPerSample(position) * batch);
                if (trace != null) {
                    trace.step(timing, -1, "");
                }
                if (csv != null) {
                    csv.row(step, -1, "", timing);
                }
            }
        }
        double hostSeconds = (System.nanoTime() - hostStart) / 1e9;
        var out = System.out;
        out.printf(Locale.ROOT, "model %s: %d layers, hidden %d, %d heads (%d KV), %s weights, %.1f GB%n", model,
                full.numLayers(), full.hiddenSize(), full.numHeads(), full.numKvHeads(), dtype,
                weightBytes(full, dtype.dtype) / 1e9);
        out.printf(Locale.ROOT, "%d socket(s) of %s, batch %d, context %d, %d decode steps; schedule: %s%n", sockets,
                chip.name(), batch, context, tokens, ScheduleMixin.describe(schedule.options()));
        out.print(summary.format(tokens * batch / hostSeconds).replace("host (this machine, not modeled)",
                "host time of this simulation"));
        return 0;
    }

    /** Compiles one socket's shard; a model that does not fit says how many sockets would. */
    static Schedule compile(ModelConfig full, Chip chip, int sockets, ScheduleOptions options, DType dtype,
                            boolean allowDdr) {
        var shard = TensorParallel.describe(full, dtype, sockets);
        var memory = new SocketMemory(0, chip.hbmBytes(), allowDdr ? chip.ddrBytes() : 0);
        return Schedule.compile(TensorParallel.graph(shard), options, memory);
    }

    private Schedule compile(ModelConfig full, Chip chip, int n, ScheduleOptions options) {
        try {
            return compile(full, chip, n, options, dtype.dtype, allowDdr);
        } catch (CapacityException e) {
            for (int more = n + 1; more <= 1024; more++) {
                try {
                    compile(full, chip, more, options, dtype.dtype, false);
                    throw new Rdu.UsageException(e.getMessage() + "; the smallest socket count whose HBM holds it is "
                            + more + " (--sockets " + more + "), or pass --allow-ddr to spill to DDR");
                } catch (CapacityException stillTooBig) {
                    // try one more socket
                }
            }
            throw new Rdu.UsageException(e.getMessage() + "; it does not fit in HBM even on 1024 sockets");
        }
    }

    private static ModelConfig withContext(ModelConfig c, int positions) {
        return new ModelConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(),
                c.numKvHeads(), c.headDim(), c.vocabSize(), positions, c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(),
                c.tiedEmbeddings(), c.bosTokenId(), c.eosTokenIds());
    }

    private static long weightBytes(ModelConfig c, DType dtype) {
        long h = c.hiddenSize();
        long perLayer = 2 * h + h * c.qDim() * 2 + 2L * h * c.kvDim() + 3 * h * c.intermediateSize();
        long embeddings = (c.tiedEmbeddings() ? 1 : 2) * (long) c.vocabSize() * h;
        return (perLayer * c.numLayers() + embeddings + h) * dtype.bytes();
    }
}
