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
import rdu.model.ModelConfig;
import rdu.moe.MoeConfig;
import rdu.progress.Progress;
import rdu.report.TimingCsv;
import rdu.report.TimingSummary;
import rdu.simulate.HostMemoryException;
import rdu.simulate.Simulation;
import rdu.speculative.AcceptanceProfile;
import rdu.tensor.DType;
import rdu.runtime.PlannedDecoder;
import rdu.schedule.ScheduleOptions;
import rdu.trace.ChromeTrace;

/**
 * {@code rdu simulate}: timing-only decode from a model's config alone, for models far too large to load. Runs the
 * same graph, compiler, schedule and timing engine as {@code rdu generate}, with tensors that have shapes and no data.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Models decode time of a model on N sockets from its config.json alone (no weights).",
                "Catalog models: " + "llama-3.1-8b, llama-3.1-70b, llama-3.1-405b, llama-3.2-1b, llama-3.2-3b,"
                        + " qwen2.5-0.5b, qwen2.5-72b, llama-2-7b, llama-2-70b, mistral-7b; Mixture-of-Experts:"
                        + " mixtral-8x7b, llama-4-maverick, gpt-oss-120b, deepseek-r1 (with MLA); timed with their"
                        + " family's operators: gemma-2-9b, phi-3-mini, starcoder2-7b."})
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

    @Mixin
    ChipNameMixin chipName;

    @Mixin
    SocketsMixin socketsOption;

    int sockets;

    @Option(names = "--batch", defaultValue = "1", description = "Samples decoded together (default: ${DEFAULT-VALUE}).")
    int batch;

    static final int DEFAULT_CONTEXT = 8192;

    @Option(names = "--context", paramLabel = "L",
            description = "Tokens already in the KV cache when the request starts (default: " + DEFAULT_CONTEXT
                    + ", or 0 with --prompt-tokens).")
    Integer contextOption;

    int context;

    @Option(names = "--tokens", defaultValue = "128", paramLabel = "T",
            description = "Tokens to generate (default: ${DEFAULT-VALUE}): decode steps, or with --prompt-tokens the"
                    + " prefill's token and T-1 decode steps.")
    int tokens;

    @Option(names = "--prompt-tokens", defaultValue = "0", paramLabel = "P",
            description = "Prefill a prompt of P tokens (after the --context ones) before decoding, in passes of"
                    + " --prefill-chunk positions; the summary gives the time to first token (default: none).")
    int promptTokens;

    @Mixin
    PrefillMixin prefill;

    @Option(names = "--draft", paramLabel = "NAME|config.json",
            description = "Speculate with this draft model (a catalog name or config.json), placed beside the target;"
                    + " needs --acceptance.")
    String draft;

    @Option(names = "--acceptance", paramLabel = "RATE|FILE",
            description = {"How many draft tokens the target accepts, instead of real generation: one rate in [0, 1]"
                    + " for every draft position, or a file of per-position acceptance probabilities (the i-th given"
                    + " that the ones before it were accepted; '#' starts a comment). rdu generate --acceptance-out"
                    + " writes one from a real run; published profiles are in speculative/src/main/resources.",
                    "Use the same profile for the runs you compare."})
    String acceptance;

    @Mixin
    SpecKMixin specK;

    @Option(names = "--dtype", defaultValue = "BF16", description = "Weight storage type: ${COMPLETION-CANDIDATES}"
            + " (default: ${DEFAULT-VALUE}).")
    StorageType dtype;

    @Option(names = "--expert-parallel", description = "Mixture-of-Experts models: each socket holds whole experts"
            + " (E/N of them) instead of 1/N of every expert.")
    boolean expertParallel;

    @Option(names = "--allow-ddr", description = "Let weights that do not fit in HBM spill to DDR instead of"
            + " refusing the configuration.")
    boolean allowDdr;

    @Mixin
    ScheduleMixin scheduleOptions;

    @Mixin
    TraceMixin traceOptions;

    @Option(names = "--timing-csv", paramLabel = "FILE", description = "One row per generated token (token ids are"
            + " unknown, -1), with its step's modeled time, as rdu generate writes.")
    Path csvFile;

    @Override
    public Integer call() {
        context = contextOption != null ? contextOption : promptTokens > 0 ? 0 : DEFAULT_CONTEXT;
        sockets = socketsOption.count();
        if (batch < 1 || context < 0 || tokens < 1 || promptTokens < 0) {
            throw new Rdu.UsageException("--batch and --tokens must be >= 1, --context and --prompt-tokens >= 0");
        }
        if (traceOptions.file != null) {
            OutputFile.requireWritable("--trace", traceOptions.file);
        }
        if (csvFile != null) {
            OutputFile.requireWritable("--timing-csv", csvFile);
        }
        Chip chip = ChipFile.load(chipName.name);
        int maxPositions = Simulation.read(ModelCatalog.config(model)).maxPositions();
        if ((long) context + promptTokens + tokens > maxPositions) {
            throw new Rdu.UsageException("--context " + context + (promptTokens > 0 ? " + --prompt-tokens "
                    + promptTokens : "") + " + --tokens " + tokens + " positions exceed " + model + "'s context of "
                    + maxPositions + " (max_position_embeddings)");
        }
        int chunk = prefill.chunk(chip);
        int k = specK.k(draft != null, "--draft");
        if ((draft == null) != (acceptance == null)) {
            throw new Rdu.UsageException(draft == null ? "--acceptance needs --draft (the model that drafts)"
                    : "--draft needs --acceptance RATE|FILE (how many draft tokens the target accepts)");
        }
        AcceptanceProfile profile;
        try {
            profile = acceptance == null ? null : AcceptanceProfile.of(acceptance);
        } catch (IllegalArgumentException e) {
            throw new Rdu.UsageException("--acceptance " + acceptance + ": " + e.getMessage());
        }
        ModelConfig full = Simulation.loadModel(model, context, tokens);
        MoeConfig moe = Simulation.loadMoe(model);
        if (expertParallel && moe == null) {
            throw new Rdu.UsageException("--expert-parallel needs a Mixture-of-Experts model; " + model + " is dense");
        }
        ScheduleOptions options = scheduleOptions.options(chip).withBatch(batch);
        if (moe == null) {
            ScheduleMixin.noteRoutingUnused(options, model + " is dense (no Mixture-of-Experts layers)");
        }
        Simulation simulation = new Simulation(full, chip, sockets, options, dtype.dtype, context, tokens, allowDdr,
                moe, expertParallel, Simulation.loadMla(model), 0, chunk, null).withPrompt(promptTokens);
        if (draft != null) {
            try {
                simulation = simulation.withSpeculation(draft, k, profile);
            } catch (IllegalArgumentException e) {
                throw new Rdu.UsageException(e.getMessage());
            }
            int draftVocab = simulation.speculative().draft().model().vocabSize();
            if (draftVocab != full.vocabSize()) {
                System.err.printf(Locale.ROOT, "rdu: note: %s's embedding has %d rows, %s's %d: fine for one tokenizer"
                        + " whose larger models pad it%n", draft, draftVocab, model, full.vocabSize());
            }
        }
        Simulation.Compiled schedule;
        try {
            schedule = simulation.compile();
        } catch (IllegalArgumentException e) {
            throw new Rdu.UsageException(model + " cannot be split this way: " + e.getMessage());
        } catch (HostMemoryException e) {
            throw e; // the host's heap: no socket count helps
        } catch (CapacityException e) {
            int fits = simulation.smallestSocketsThatFit(1024);
            throw new Rdu.UsageException(e.getMessage() + (fits > 0
                    ? "; the smallest socket count whose HBM holds it is " + fits + " (--sockets " + fits + ")"
                    : "; it does not fit in HBM even on 1024 sockets") + ", or pass --allow-ddr to spill to DDR");
        }

        String uneven = TensorParallel.unevenSplit(full, sockets);
        if (uneven != null) {
            System.err.println("rdu: note: " + uneven + "; modeled by the largest shard, which sets the pace (rdu"
                    + " generate refuses such a split)");
        }
        long hostStart = System.nanoTime();
        TimingSummary summary;
        try (ChromeTrace trace = traceOptions.open(chip.name(), sockets, tokens);
             TimingCsv csv = csvFile == null ? null : new TimingCsv(csvFile);
             Progress progress = Progress.onStderr("simulate")) {
            int[] generated = {0};
            summary = simulation.run(schedule, trace != null, step -> {
                if (trace != null) {
                    trace.step(step, PlannedDecoder.UNKNOWN, "");
                }
                for (int i = 0; i < step.tokens(); i++) {
                    if (csv != null) {
                        csv.row(generated[0], -1, "", step);
                    }
                    generated[0]++;
                }
                progress.update(generated[0], tokens, null);
            });
        }
        double hostSeconds = (System.nanoTime() - hostStart) / 1e9;
        var out = System.out;
        out.printf(Locale.ROOT, "model %s: %d layers, hidden %d, %d heads (%d KV), %s weights, %.1f GB%n", model,
                full.numLayers(), full.hiddenSize(), full.numHeads(), full.numKvHeads(), dtype,
                simulation.weightBytes() / 1e9);
        if (moe != null) {
            out.printf(Locale.ROOT, "Mixture of Experts: %d of %d layers, top %d of %d experts, %d shared; each socket"
                            + " holds %s; routing %s%n", moe.moeLayers(full.numLayers()),
                    full.numLayers(), moe.expertsPerToken(), moe.experts(), moe.sharedExperts(),
                    expertParallel ? "whole experts" : "a slice of every expert", options.expertRouting());
        }
        out.printf(Locale.ROOT, "%d socket(s) of %s, batch %d, context %d, %s%d tokens; schedule: %s%n", sockets,
                chip.name(), batch, context, promptTokens == 0 ? "" : "prompt " + promptTokens + " (prefill chunk "
                        + chunk + "), ", tokens, ScheduleMixin.describe(simulation.options()));
        if (profile != null) {
            out.printf(Locale.ROOT, "acceptance profile %s: E(%d) = %.3f tokens per step, AR = %.3f; a timing-only"
                    + " step commits floor or ceil of E, so the measured figures below follow E, not the profile's"
                    + " spread%n", profile.source(), k, profile.expectedCommitted(k), profile.acceptanceRate(k));
        }
        out.print(summary.format("host time of this simulation", tokens * batch / hostSeconds));
        if (profile != null) {
            double plain = simulation.withoutSpeculation().run(false, step -> { }).tokensPerSecond();
            out.printf(Locale.ROOT, "modeled %s x%d without speculation: %.1f tokens/s -> speculation %.2fx%n",
                    chip.name(), sockets, plain, summary.tokensPerSecond() / plain);
        }
        return 0;
    }

}
