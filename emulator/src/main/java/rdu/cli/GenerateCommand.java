package rdu.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rdu.chat.Conversation;
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
import rdu.tokenizer.MissingTokenizer;
import rdu.trace.ChromeTrace;

/** {@code rdu generate}: real text from real weights, streamed to stdout; figures go to stderr. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generates text with a model running on the emulated chip.",
                "The text goes to stdout as it is produced; status and figures go to stderr."})
final class GenerateCommand implements Callable<Integer> {

    static final String DEFAULT_PROMPT = "Once upon a time";

    @Mixin
    ModelMixin model;

    @Option(names = "--prompt", paramLabel = "TEXT",
            description = "Text to continue (default: '" + DEFAULT_PROMPT + "'). An empty prompt starts from BOS alone."
                    + " With --chat, the user's message.")
    String prompt;

    @Mixin
    PromptIdsMixin promptIds;

    @Option(names = "--chat", description = "Write --prompt as the user's message of a conversation with the model's"
            + " chat template (tokenizer_config.json), followed by the start of the assistant's answer; generation"
            + " stops at the end of the answer (the template's end-of-turn token).")
    boolean chat;

    @Mixin
    SystemPromptMixin system;

    @Mixin
    DecodingMixin decoding;

    @Mixin
    ChipMixin chipOptions;

    @Option(names = "--no-echo", description = "Do not print the prompt before the generated text (with --chat the"
            + " prompt is the conversation as the template writes it; with --prompt-ids, the text of the ids).")
    boolean noEcho;

    @Mixin
    TraceMixin traceOptions;

    @Option(names = "--timing-csv", paramLabel = "FILE",
            description = "Write one row per generated token: its step (phase, tokens committed, draft accepted),"
                    + " modeled step time and end time (the first token's is the time to first token), HBM bytes,"
                    + " kernel calls.")
    Path csvFile;

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

    /** What the model is given: the prompt's ids, the text echoed for them, and the stop tokens it adds. */
    private record Input(int[] ids, String echo, Set<Integer> stopTokens) {
    }

    @Override
    public Integer call() {
        decoding.maxTokens(); // refused below 0 before anything loads
        if (draftPath != null && spec != null) {
            throw new Rdu.UsageException("--draft and --spec are two drafting methods: give one");
        }
        requireOnePrompt();
        int k = specK.k(draftPath != null || spec != null, "--draft or --spec");
        Sampler sampler = decoding.sampler();
        try {
            if (draftPath != null || spec != null) {
                Speculation.requireSampler(sampler);
            }
        } catch (GenerationException e) {
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
        Chip chip = ChipFile.load(chipOptions.chip.name);
        int chunk = chipOptions.prefill.chunk(chip);
        int sockets = chipOptions.sockets.count();
        Path modelPath = model.locate();
        try (Checkpoint checkpoint = Checkpoint.open(modelPath);
             Checkpoint draft = draftPath == null ? null : Checkpoint.open(ModelLocator.locate(draftPath))) {
            Input input = input(checkpoint); // before the output files: a refused prompt leaves none
            try (ChromeTrace trace = traceOptions.open(chip.name(), sockets, runSteps(checkpoint, input.ids().length));
                 TimingCsv csv = csvFile == null ? null : new TimingCsv(csvFile)) {
                run(checkpoint, draft, input, chip, chunk, k, sampler, trace, csv);
            }
        }
        return 0;
    }

    /** --prompt, --prompt-ids and --chat as one prompt: two ways of giving it are refused before anything loads. */
    private void requireOnePrompt() {
        if (prompt != null && promptIds.given()) {
            throw new Rdu.UsageException("--prompt and " + PromptIdsMixin.OPTION + " both give the prompt: give one");
        }
        if (chat && promptIds.given()) {
            throw new Rdu.UsageException("--chat writes the text of --prompt into the chat template; "
                    + PromptIdsMixin.OPTION + " gives ids as they are: give --prompt");
        }
        if (system.text != null && !chat) {
            throw new Rdu.UsageException("--system is the system message of a conversation: it needs --chat");
        }
        if (promptIds.given()) {
            promptIds.ids();
        }
    }

    private Input input(Checkpoint checkpoint) {
        if (promptIds.given()) {
            int[] ids = promptIds.ids(checkpoint.config().vocabSize());
            String text = new String(checkpoint.tokenizer().decode(new int[0], ids), StandardCharsets.UTF_8);
            return new Input(ids, text, Set.of());
        }
        String text = prompt == null ? DEFAULT_PROMPT : prompt;
        if (chat) {
            Conversation conversation = Conversation.start(checkpoint, system.text);
            Conversation.Prompt turn = conversation.ask(text);
            return new Input(turn.ids(), turn.text(), conversation.stopTokens());
        }
        return new Input(checkpoint.tokenizer().encode(text), text, Set.of());
    }

    private void run(Checkpoint checkpoint, Checkpoint draft, Input input, Chip chip, int chunk, int k,
                     Sampler sampler, ChromeTrace trace, TimingCsv csv) {
        Path modelPath = checkpoint.source();
        PrintStream err = System.err;
        ModelConfig config = checkpoint.config();
        Speculation speculation;
        try {
            speculation = draft != null ? Speculation.draftModel(draft, k) : Speculation.parse(spec, k);
        } catch (GenerationException e) {
            throw new Rdu.UsageException(e.getMessage());
        }
        ScheduleOptions options = chipOptions.schedule.options(chip);
        ScheduleMixin.noteRoutingUnused(options, checkpoint.config().family().moe() == null
                ? checkpoint.config().architecture() + " is a dense model"
                : "the checkpoint's router chooses the experts each pass streams");
        var generator = new Generator(checkpoint, Generator.Setup.of(chip, options)
                .withTiming(trace == null ? Generator.Timing.ON : Generator.Timing.TRACED)
                .withSockets(chipOptions.sockets.count())
                .withPrefillChunk(chunk).withSpeculation(speculation).withStopTokens(input.stopTokens()));
        TimingEngine engine = generator.timingEngine();
        var summary = new TimingSummary(chip.name(), 1, chip.hbmBandwidth(), engine.weightBytesPerStep(),
                speculation == null ? 0 : k);
        err.printf(Locale.ROOT, "model %s: %d layers, hidden %d, %d heads (%d KV), vocab %d, context %d%n",
                modelPath, config.numLayers(), config.hiddenSize(), config.numHeads(), config.numKvHeads(),
                config.vocabSize(), config.maxPositions());
        var hbm = generator.schedule().memory().tier(Tier.HBM);
        err.printf(Locale.ROOT, "placed in %s socket 0 HBM: %,d of %,d bytes%s%n", chip.name(), hbm.used(),
                hbm.capacity(), generator.draftSchedule() == null ? "" : " (target and draft together)");
        var stream = new Stream(input.echo(), checkpoint.tokenizer() instanceof MissingTokenizer, summary,
                engine, trace, csv);
        Generation result = generator.generate(input.ids(), decoding.maxTokens, sampler, stream);
        if (promptIds.given()) {
            System.out.println("generated ids: " + PromptIdsMixin.join(result.generatedIds()));
        }
        err.printf(Locale.ROOT, "prompt %d tokens, generated %d tokens, stopped: %s%n", result.promptIds().length,
                result.generatedIds().length, result.stopReason().words());
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

    /** Streams text to stdout as it comes and books each step in the summary, the trace and the CSV. */
    private final class Stream implements TokenListener {
        private final PrintStream out = System.out;
        private final String echo;
        /** A model without a tokenizer has no text to print, not even an empty line. */
        private final boolean noText;
        private final TimingSummary summary;
        private final TimingEngine engine;
        private final ChromeTrace trace;
        private final TimingCsv csv;
        /** The step running: written to the trace once its tokens and their text are known. */
        private StepRecord step;
        private final StringBuilder stepText = new StringBuilder();
        private int lastToken = -1;

        Stream(String echo, boolean noText, TimingSummary summary, TimingEngine engine, ChromeTrace trace,
               TimingCsv csv) {
            this.echo = echo;
            this.noText = noText;
            this.summary = summary;
            this.engine = engine;
            this.trace = trace;
            this.csv = csv;
        }

        @Override
        public void onStart(int[] promptIds) {
            if (!noEcho) { // only now: a prompt the tokenizer or the run refuses prints nothing
                out.print(echo);
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
            if (!noText) {
                out.write(heldBack, 0, heldBack.length);
                out.println();
                out.flush();
            }
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
                + describe(speculation) + ", temperature " + decoding.temperature + ", " + result.promptIds().length
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
    private int runSteps(Checkpoint checkpoint, int promptLength) {
        if (traceOptions.file == null || decoding.maxTokens == 0) {
            return 0; // no trace to check the steps against, or no step at all
        }
        long steps = decoding.maxTokens;
        long room = checkpoint.config().maxPositions() + 1L - promptLength;
        return (int) Math.max(1, Math.min(steps, room));
    }
}
