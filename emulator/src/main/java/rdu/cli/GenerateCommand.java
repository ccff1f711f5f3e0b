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
import rdu.generate.Speculation;
import rdu.generate.TokenListener;
import rdu.memory.Tier;
import rdu.model.Checkpoint;
import rdu.model.ModelConfig;
import rdu.report.TimingCsv;
import rdu.report.TimingSummary;
import rdu.runtime.GenerationException;
import rdu.runtime.StepRecord;
import rdu.sampling.Sampler;
import rdu.schedule.ScheduleOptions;
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
            description = "Write one row per generated token: its step (phase, tokens committed, draft accepted),"
                    + " modeled step time and end time (the first token's is the time to first token), HBM bytes,"
                    + " kernel calls.")
    Path csvFile;

    @Mixin
    PrefillMixin prefill;

    @Option(names = "--draft", paramLabel = "PATH",
            description = "Speculate with this draft model (a checkpoint like --model's, sharing its tokenizer).")
    Path draftPath;

    @Option(names = "--spec", paramLabel = "ngram[:N]|layerskip:L",
            description = {"Speculate without a second model: ngram[:N] drafts the tokens that followed the last"
                    + " earlier occurrence of the context's last N tokens (prompt lookup, N default "
                    + Speculation.DEFAULT_NGRAM + "); layerskip:L drafts with the model's first L layers and its classifier.",
                    "Greedy speculation gives exactly the tokens of plain greedy decoding; only the modeled time"
                            + " changes."})
    String spec;

    @Mixin
    SpecKMixin specK;

    @Option(names = "--acceptance-out", paramLabel = "FILE",
            description = "With speculation: write the measured acceptance by draft position as a profile file for"
                    + " rdu simulate --acceptance FILE.")
    Path acceptanceOut;


    @Override
    public Integer call() {
        if (maxTokens < 0) {
            throw new Rdu.UsageException("--max-tokens must be >= 0, found " + maxTokens);
        }
        if (draftPath != null && spec != null) {
            throw new Rdu.UsageException("--draft and --spec are two drafting methods: give one");
        }
        int k = specK.k(draftPath != null || spec != null, "--draft or --spec");
        Sampler sampler;
        try {
            sampler = new Sampler(temperature, topK, topP, seed);
            if (draftPath != null || spec != null) {
                Speculation.requireSampler(sampler);
            }
        } catch (IllegalArgumentException | GenerationException e) {
            throw new Rdu.UsageException(e.getMessage());
        }
        if (traceOptions.file != null) {
            OutputFile.requireWritable("--trace", traceOptions.file);
        }
        if (csvFile != null) {
            OutputFile.requireWritable("--timing-csv", csvFile);
        }
        if (acceptanceOut != null) {
            if (draftPath == null && spec == null) {
                throw new Rdu.UsageException("--acceptance-out needs a drafting method (--draft or --spec)");
            }
            OutputFile.requireWritable("--acceptance-out", acceptanceOut);
        }
        Chip chip = ChipFile.load(chipName);
        int chunk = prefill.chunk(chip);
        Path modelPath = ModelLocator.locate(model);
        PrintStream err = System.err;
        try (Checkpoint checkpoint = Checkpoint.open(modelPath);
             Checkpoint draft = draftPath == null ? null : Checkpoint.open(ModelLocator.locate(draftPath));
             ChromeTrace trace = traceOptions.open(chip.name(), sockets, runSteps(checkpoint));
             TimingCsv csv = csvFile == null ? null : new TimingCsv(csvFile)) {
            ModelConfig config = checkpoint.config();
            Speculation speculation;
            try {
                speculation = draft != null ? Speculation.draftModel(draft, k) : Speculation.parse(spec, k);
            } catch (GenerationException e) {
                throw new Rdu.UsageException(e.getMessage());
            }
            ScheduleOptions options = scheduleOptions.options(chip);
            if (config.family().moe() == null) {
                ScheduleMixin.noteRoutingUnused(options, config.architecture() + " is a dense model");
            }
            var generator = new Generator(checkpoint, Generator.Setup.of(chip, options)
                    .withTiming(trace == null ? Generator.Timing.ON : Generator.Timing.TRACED).withSockets(sockets)
                    .withPrefillChunk(chunk).withSpeculation(speculation));
            TimingEngine engine = generator.timingEngine();
            var summary = new TimingSummary(chip.name(), 1, chip.hbmBandwidth(), engine.weightBytesPerStep(),
                    speculation == null ? 0 : k);
            err.printf(Locale.ROOT, "model %s: %d layers, hidden %d, %d heads (%d KV), vocab %d, context %d%n",
                    modelPath, config.numLayers(), config.hiddenSize(), config.numHeads(), config.numKvHeads(),
                    config.vocabSize(), config.maxPositions());
            var hbm = generator.schedule().memory().tier(Tier.HBM);
            err.printf(Locale.ROOT, "placed in %s socket 0 HBM: %,d of %,d bytes%s%n", chip.name(), hbm.used(),
                    hbm.capacity(), generator.draftSchedule() == null ? "" : " (target and draft together)");
            var stream = new Stream(summary, engine, trace, csv);
            Generation result = generator.generate(prompt, maxTokens, sampler, stream);
            err.printf(Locale.ROOT, "prompt %d tokens, generated %d tokens, stopped: %s%n", result.promptIds().length,
                    result.generatedIds().length, result.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '));
            err.printf(Locale.ROOT, "schedule: %s; prefill chunk %d%s%n",
                    ScheduleMixin.describe(generator.schedule().options()), chunk,
                    speculation == null ? "" : "; speculation: " + describe(speculation));
            err.print(summary.format(result.hostTokensPerSecond()));
            if (speculation != null && summary.steps() > 0) {
                TimingSummary plain = generator.plainTiming(result.promptIds().length, result.generatedIds().length);
                err.printf(Locale.ROOT, "modeled %s without speculation: %.1f tokens/s -> speculation %.2fx%n",
                        chip.name(), plain.tokensPerSecond(), summary.tokensPerSecond() / plain.tokensPerSecond());
            }
            if (acceptanceOut != null) {
                writeAcceptance(result, speculation, modelPath);
            }
            if (trace != null) {
                err.println("trace: " + traceOptions.file + " (open in ui.perfetto.dev)");
            }
            if (csvFile != null) {
                err.println("timing CSV: " + csvFile);
            }
        }
        return 0;
    }

    /** Streams text to stdout as it comes and books each step in the summary, the trace and the CSV. */
    private final class Stream implements TokenListener {
        private final PrintStream out = System.out;
        private final TimingSummary summary;
        private final TimingEngine engine;
        private final ChromeTrace trace;
        private final TimingCsv csv;
        /** The step running: written to the trace once its tokens and their text are known. */
        private StepRecord step;
        private final StringBuilder stepText = new StringBuilder();
        private int lastToken = -1;

        Stream(TimingSummary summary, TimingEngine engine, ChromeTrace trace, TimingCsv csv) {
            this.summary = summary;
            this.engine = engine;
            this.trace = trace;
            this.csv = csv;
        }

        @Override
        public void onStart(int[] promptIds) {
            if (!noEcho) { // only now: a prompt the tokenizer or the run refuses prints nothing
                out.print(prompt);
                out.flush();
            }
        }

        @Override
        public void onStep(StepRecord record) {
            flushTrace();
            step = record;
            summary.add(record, engine.kvBytesPerSample(record.lastPosition()));
        }

        @Override
        public void onToken(int index, int token, float[] logits, byte[] text) {
            out.write(text, 0, text.length);
            out.flush();
            String piece = new String(text, StandardCharsets.UTF_8);
            stepText.append(piece);
            lastToken = token;
            if (csv != null) {
                csv.row(index, token, piece, step);
            }
        }

        @Override
        public void onStopToken(int token, float[] logits) {
            lastToken = token;
            if (csv != null) {
                csv.row(-1, token, "", step);
            }
        }

        @Override
        public void onEnd(byte[] heldBack) {
            flushTrace();
            out.write(heldBack, 0, heldBack.length);
            out.println();
            out.flush();
        }

        private void flushTrace() {
            if (trace != null && step != null) {
                trace.step(step, lastToken, stepText.toString());
            }
            step = null;
            stepText.setLength(0);
            lastToken = -1;
        }
    }

    private void writeAcceptance(Generation result, Speculation speculation, Path modelPath) {
        if (result.speculation().proposed() == 0) {
            System.err.println("acceptance: no draft token was proposed, so " + acceptanceOut + " was not written");
            return;
        }
        result.speculation().writeProfile(acceptanceOut, "measured by rdu generate: target " + modelPath + ", "
                + describe(speculation) + ", temperature " + temperature + ", " + result.promptIds().length
                + "-token prompt, " + result.generatedIds().length + " tokens");
        System.err.println("acceptance profile: " + acceptanceOut);
    }

    static String describe(Speculation s) {
        return switch (s.method()) {
            case DRAFT_MODEL -> "draft model " + s.draft().source();
            case NGRAM -> "prompt lookup ngram:" + s.n();
            case LAYER_SKIP -> "layer skip, the first " + s.layers() + " layers";
        } + ", k " + s.k();
    }

    /**
     * Steps of the run at most: the prefill, then one per generated token after the first, within the context (a
     * speculative step commits one or more). A stop token may end it sooner.
     */
    private int runSteps(Checkpoint checkpoint) {
        if (traceOptions.file == null || maxTokens == 0) {
            return 0; // no trace to check the steps against, or no step at all
        }
        long steps = maxTokens;
        long room = checkpoint.config().maxPositions() + 1L - checkpoint.tokenizer().encode(prompt).length;
        return (int) Math.max(1, Math.min(steps, room));
    }
}
