package rdu.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.generate.Generation;
import rdu.generate.Generator;
import rdu.generate.TokenListener;
import rdu.memory.Tier;
import rdu.model.Checkpoint;
import rdu.model.ModelConfig;
import rdu.report.TimingCsv;
import rdu.report.TimingSummary;
import rdu.sampling.Sampler;
import rdu.timing.StepTiming;
import rdu.timing.TimingEngine;
import rdu.trace.ChromeTrace;

/** {@code rdu generate}: real text from real weights, streamed to stdout; figures go to stderr. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generates text with a model running on the emulated chip.",
                "The text goes to stdout as it is produced; status and figures go to stderr."})
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "PATH",
            description = {"A Hugging Face model directory, a .safetensors file with config.json and tokenizer.json"
                    + " beside it, or a llama2.c .bin with its tokenizer beside it.",
                    "Default: $RDU_MODEL, else ../shared/" + ModelLocator.DEFAULT_SHARED_MODEL + "."})
    Path model;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "Once upon a time",
            description = "Text to continue (default: '${DEFAULT-VALUE}'). An empty prompt starts from BOS alone.")
    String prompt;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "256",
            description = "Stop after N generated tokens (default: ${DEFAULT-VALUE}); also stops at the model's stop"
                    + " token or when the context is full.")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
            description = "Sampling temperature; 0 = greedy argmax (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0",
            description = "Sample only among the K most likely tokens; 0 = no limit (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1",
            description = "Nucleus sampling: the smallest set of tokens whose probability exceeds P; 1 = off"
                    + " (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Random seed for sampling; the same seed gives the same text (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--chip", paramLabel = "NAME|FILE", defaultValue = ChipFile.DEFAULT,
            description = "Chip description: a shipped chip name or a chip JSON file (default: ${DEFAULT-VALUE}).")
    String chipName;

    @Option(names = "--no-echo", description = "Do not print the prompt before the generated text.")
    boolean noEcho;

    @Mixin
    ScheduleMixin scheduleOptions;

    @Option(names = "--sockets", paramLabel = "N", defaultValue = "1",
            description = "Split the model over N sockets by tensor parallelism (default: ${DEFAULT-VALUE});"
                    + " the tokens are the same, the modeled time changes.")
    int sockets;

    @Mixin
    TraceMixin traceOptions;

    @Option(names = "--timing-csv", paramLabel = "FILE",
            description = "Write one row per generated token: index, token id, text, modeled ns, HBM bytes, kernel calls.")
    Path csvFile;

    @Override
    public Integer call() {
        if (maxTokens < 0) {
            throw new Rdu.UsageException("--max-tokens must be >= 0, found " + maxTokens);
        }
        Sampler sampler;
        try {
            sampler = new Sampler(temperature, topK, topP, seed);
        } catch (IllegalArgumentException e) {
            throw new Rdu.UsageException(e.getMessage());
        }
        if (traceOptions.file != null) {
            OutputFile.requireWritable("--trace", traceOptions.file);
        }
        if (csvFile != null) {
            OutputFile.requireWritable("--timing-csv", csvFile);
        }
        Chip chip = ChipFile.load(chipName);
        Path modelPath = ModelLocator.locate(model);
        PrintStream out = System.out;
        PrintStream err = System.err;
        try (Checkpoint checkpoint = Checkpoint.open(modelPath);
             ChromeTrace trace = traceOptions.open(chip.name(), sockets, runSteps(checkpoint));
             TimingCsv csv = csvFile == null ? null : new TimingCsv(csvFile)) {
            ModelConfig config = checkpoint.config();
            var generator = new Generator(checkpoint, chip, scheduleOptions.options(chip),
                    trace == null ? Generator.Timing.ON : Generator.Timing.TRACED, sockets);
            TimingEngine engine = generator.timingEngine();
            var summary = new TimingSummary(chip.name(), 1, chip.hbmBandwidth(), engine.weightBytesPerStep());
            err.printf(Locale.ROOT, "model %s: %d layers, hidden %d, %d heads (%d KV), vocab %d, context %d%n",
                    modelPath, config.numLayers(), config.hiddenSize(), config.numHeads(), config.numKvHeads(),
                    config.vocabSize(), config.maxPositions());
            var hbm = generator.schedule().memory().tier(Tier.HBM);
            err.printf(Locale.ROOT, "placed in %s socket 0 HBM: %,d of %,d bytes%n", chip.name(), hbm.used(),
                    hbm.capacity());
            TokenListener stream = new TokenListener() {
                StepTiming lastStep;

                @Override
                public void onStart(int[] promptIds) {
                    if (!noEcho) { // only now: a prompt the tokenizer or the run refuses prints nothing
                        out.print(prompt);
                        out.flush();
                    }
                }

                @Override
                public void onTiming(StepTiming timing, int token, boolean generated) {
                    lastStep = timing;
                    if (generated) {
                        summary.add(timing, engine.kvBytesPerSample(timing.step()));
                    } else if (trace != null) {
                        trace.step(timing, token, "");
                    }
                }

                @Override
                public void onToken(int index, int token, float[] logits, byte[] text) {
                    out.write(text, 0, text.length);
                    out.flush();
                    if (trace != null || csv != null) {
                        record(index, token, new String(text, StandardCharsets.UTF_8));
                    }
                }

                @Override
                public void onStopToken(int token, float[] logits) {
                    record(-1, token, "");
                }

                private void record(int index, int token, String text) {
                    if (trace != null) {
                        trace.step(lastStep, token, text);
                    }
                    if (csv != null) {
                        csv.row(index, token, text, lastStep);
                    }
                }

                @Override
                public void onEnd(byte[] heldBack) {
                    out.write(heldBack, 0, heldBack.length);
                    out.println();
                    out.flush();
                }
            };
            Generation result = generator.generate(prompt, maxTokens, sampler, stream);
            err.printf(Locale.ROOT, "prompt %d tokens, generated %d tokens, stopped: %s%n", result.promptIds().length,
                    result.generatedIds().length, result.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '));
            err.printf(Locale.ROOT, "schedule: %s%n", ScheduleMixin.describe(generator.schedule().options()));
            err.print(summary.format(result.hostTokensPerSecond()));
            if (trace != null) {
                err.println("trace: " + traceOptions.file + " (open in ui.perfetto.dev)");
            }
            if (csvFile != null) {
                err.println("timing CSV: " + csvFile);
            }
        }
        return 0;
    }

    /**
     * Decode steps of the run at most: one per prompt position after the first (BOS) and one per generated token,
     * within the context. A stop token may end it sooner.
     */
    private int runSteps(Checkpoint checkpoint) {
        if (traceOptions.file == null || maxTokens == 0) {
            return 0; // no trace to check the steps against, or no step at all
        }
        long steps = checkpoint.tokenizer().encode(prompt).length - 1L + maxTokens;
        return (int) Math.min(steps, checkpoint.config().maxPositions());
    }
}
