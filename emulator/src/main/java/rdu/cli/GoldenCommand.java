package rdu.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import rdu.chip.ChipFile;
import rdu.model.Checkpoint;
import rdu.moe.ExpertRouting;
import rdu.progress.Progress;
import rdu.regression.Difference;
import rdu.regression.GoldenChecker;
import rdu.regression.GoldenFileException;
import rdu.regression.GoldenRecord;
import rdu.regression.GoldenRecorder;
import rdu.runtime.GenerationException;
import rdu.schedule.ScheduleOptions;

/** {@code rdu golden}: records greedy generations with their modeled times, and checks them again later. */
@Command(name = "golden", mixinStandardHelpOptions = true,
        description = "Golden-output regression files: greedy generations with the modeled time of every step.",
        subcommands = {GoldenCommand.Record.class, GoldenCommand.Check.class})
final class GoldenCommand {

    @Command(name = "record", mixinStandardHelpOptions = true,
            description = {"Generates greedily from every prompt with the timing model on and writes one JSON record"
                    + " per prompt (format " + GoldenRecord.FORMAT + ").", "Progress goes to stderr."})
    static final class Record implements Runnable {

        @Option(names = "--model", required = true, paramLabel = "PATH",
                description = "Checkpoint (as for rdu generate); recorded as given.")
        String model;

        @Option(names = "--model-root", paramLabel = "DIR", defaultValue = ".",
                description = "What a relative --model is relative to (default: the current directory), so that the"
                        + " record can hold a path that rdu golden check --model-root resolves elsewhere.")
        Path modelRoot;

        @Option(names = "--prompts", paramLabel = "FILE",
                description = "UTF-8 text, one prompt per line, taken as is (no escapes: a prompt cannot hold a line"
                        + " break); an empty line is the empty prompt. Or give one prompt as --prompt-ids.")
        Path prompts;

        @Mixin
        PromptIdsMixin promptIds;

        @Option(names = "--out", required = true, paramLabel = "GOLDEN.jsonl", description = "File to write.")
        Path out;

        @Option(names = "--append", description = "Add the records to --out instead of replacing it (e.g. to hold"
                + " several models or schedule options in one file).")
        boolean append;

        @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "64",
                description = "Generated tokens per prompt at most (default: ${DEFAULT-VALUE}).")
        int maxTokens;

        /** Recorded as given. */
        @Mixin
        ChipNameMixin chipName;

        @Mixin
        ScheduleMixin schedule;

        @Override
        public void run() {
            if (maxTokens < 0) {
                throw new Rdu.UsageException("--max-tokens must be >= 0, found " + maxTokens);
            }
            if ((prompts != null) == promptIds.given()) {
                throw new Rdu.UsageException(prompts == null ? "give the prompts: --prompts FILE (one per line) or "
                        + PromptIdsMixin.OPTION + " IDS (one prompt)" : "--prompts and " + PromptIdsMixin.OPTION
                        + " both give the prompts: give one");
            }
            OutputFile.requireWritable("--out", out);
            String chip = chipName.name;
            ScheduleOptions requested = schedule.options(ChipFile.load(chip));
            ScheduleMixin.noteRoutingUnused(requested, "a golden record does not keep it, so records are made (and"
                    + " checked) with uniform routing");
            ScheduleOptions options = requested.withExpertRouting(ExpertRouting.UNIFORM);
            List<String> lines;
            try {
                lines = promptIds.given() ? List.of(PromptIdsMixin.join(promptIds.ids()))
                        : GoldenRecorder.readPrompts(prompts);
            } catch (GoldenFileException e) {
                throw new Rdu.UsageException(e.getMessage());
            }
            System.err.printf("recording %d prompts with %s on %s, schedule: %s%n", lines.size(), model, chip,
                    ScheduleMixin.describe(options));
            List<GoldenRecord> records = new ArrayList<>();
            try (Checkpoint checkpoint = Checkpoint.open(modelRoot.resolve(model))) {
                var generator = GoldenRecorder.generator(checkpoint, chip, options);
                for (String prompt : lines) {
                    int number = records.size() + 1;
                    GoldenRecord r;
                    try {
                        r = promptIds.given() ? GoldenRecorder.record(generator, model, chip, options, maxTokens,
                                promptIds.ids(checkpoint.config().vocabSize()))
                                : GoldenRecorder.record(generator, model, chip, options, maxTokens, prompt);
                    } catch (GenerationException e) {
                        throw new Rdu.UsageException((promptIds.given() ? PromptIdsMixin.OPTION
                                : prompts + " line " + number) + ": " + e.getMessage());
                    }
                    System.err.printf(Locale.ROOT, "[%d/%d] %s: %d prompt + %d generated tokens, stopped: %s,"
                                    + " modeled %.3f ms%n", number, lines.size(),
                            promptIds.given() ? "ids " + prompt : "\"" + prompt + "\"", r.promptIds().length,
                            r.generatedIds().length, r.stopReason().name().toLowerCase(Locale.ROOT), r.totalNs() / 1e6);
                    records.add(r);
                }
            }
            GoldenRecord.writeAll(out, records, append);
            System.err.printf("%s %d records to %s%n", append ? "appended" : "wrote", records.size(), out);
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Runs every record of a golden file again with its recorded model, chip, schedule options"
                    + " and max tokens, and compares tokens, stop reason, bytes, and every step's modeled time and"
                    + " HBM bytes. With --prompt-ids, only the records of that prompt (their prompt_ids).",
                    "One line per record, then 'N passed, N failed'; exit code 1 when any record fails."})
    static final class Check implements Callable<Integer> {

        @Parameters(paramLabel = "GOLDEN.jsonl", description = "File written by rdu golden record.")
        Path golden;

        @Option(names = "--model-root", paramLabel = "DIR", defaultValue = ".",
                description = "What the records' relative model paths are relative to (default: the current"
                        + " directory).")
        Path modelRoot;

        @Option(names = "--time-tolerance", paramLabel = "REL", defaultValue = "1e-9",
                description = "Largest relative difference of a step's modeled time that passes"
                        + " (default: ${DEFAULT-VALUE}).")
        double tolerance;

        @Mixin
        PromptIdsMixin promptIds;

        @Override
        public Integer call() {
            int[] only = promptIds.given() ? promptIds.ids() : null;
            try (var checker = newChecker(); var progress = Progress.besideStdoutLines("golden check")) {
                List<GoldenRecord> records;
                try {
                    records = GoldenRecord.readAll(golden);
                } catch (GoldenFileException e) {
                    throw new Rdu.UsageException(e.getMessage());
                }
                if (only != null && records.stream().noneMatch(r -> Arrays.equals(r.promptIds(), only))) {
                    throw new Rdu.UsageException(PromptIdsMixin.OPTION + ": expected the prompt_ids of a record of "
                            + golden + ", found " + PromptIdsMixin.join(only) + ", which none has");
                }
                int checked = 0;
                int failed = 0;
                for (int i = 0; i < records.size(); i++) {
                    if (only != null && !Arrays.equals(records.get(i).promptIds(), only)) {
                        continue;
                    }
                    checked++;
                    progress.update(i, records.size(), "line " + (i + 1));
                    List<Difference> differences;
                    try {
                        differences = checker.check(records.get(i));
                    } catch (GenerationException e) {
                        throw new Rdu.UsageException(golden + " line " + (i + 1) + ": " + e.getMessage());
                    }
                    String where = "line " + (i + 1) + ": " + records.get(i).setup();
                    if (differences.isEmpty()) {
                        System.out.println("OK      " + where);
                        continue;
                    }
                    failed++;
                    System.out.println("FAILED  " + where);
                    for (String line : GoldenChecker.describe(differences)) {
                        System.out.println("        " + line);
                    }
                }
                System.out.printf("%d passed, %d failed%n", checked - failed, failed);
                return failed == 0 ? 0 : 1;
            }
        }

        private GoldenChecker newChecker() {
            try {
                return new GoldenChecker(modelRoot, tolerance);
            } catch (IllegalArgumentException e) {
                throw new Rdu.UsageException("--time-tolerance: " + e.getMessage());
            }
        }
    }
}
