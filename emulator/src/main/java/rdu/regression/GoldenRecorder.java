package rdu.regression;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import rdu.chip.ChipFile;
import rdu.generate.Generation;
import rdu.generate.Generator;
import rdu.generate.TokenListener;
import rdu.model.Checkpoint;
import rdu.sampling.Sampler;
import rdu.schedule.ScheduleOptions;
import rdu.runtime.StepRecord;

/** Runs one greedy generation with the timing model on and keeps what a golden record holds. */
public final class GoldenRecorder {

    private GoldenRecorder() {
    }

    /** The generator golden records are made with: the timing model on, on the chip named (or filed) as {@code chip}. */
    public static Generator generator(Checkpoint checkpoint, String chip, ScheduleOptions options) {
        return new Generator(checkpoint, Generator.Setup.of(ChipFile.load(chip), options));
    }

    /**
     * Generates greedily from {@code prompt} with {@code generator}, made by {@link #generator} from {@code chip} and
     * {@code options}; a generator serves any number of records.
     *
     * @param model the checkpoint's path as the record should state it (the checkpoint itself is already open)
     */
    public static GoldenRecord record(Generator generator, String model, String chip, ScheduleOptions options,
                                      int maxTokens, String prompt) {
        return record(model, chip, options, maxTokens, prompt,
                listener -> generator.generate(prompt, maxTokens, greedy(), listener));
    }

    /** The same from a prompt given as token ids, taken as they are; the record's prompt text is null. */
    public static GoldenRecord record(Generator generator, String model, String chip, ScheduleOptions options,
                                      int maxTokens, int[] promptIds) {
        return record(model, chip, options, maxTokens, null,
                listener -> generator.generate(promptIds, maxTokens, greedy(), listener));
    }

    private static GoldenRecord record(String model, String chip, ScheduleOptions options, int maxTokens,
                                       String prompt, Function<TokenListener, Generation> generate) {
        List<StepRecord> steps = new ArrayList<>();
        TokenListener listener = new TokenListener() {
            @Override
            public void onToken(int index, int token, float[] logits, byte[] text) {
            }

            @Override
            public void onStep(StepRecord step) {
                steps.add(step);
            }
        };
        Generation result = generate.apply(listener);
        double[] stepNs = new double[steps.size()];
        long[] hbmBytes = new long[steps.size()];
        for (int i = 0; i < stepNs.length; i++) {
            stepNs[i] = steps.get(i).durationNs();
            hbmBytes[i] = steps.get(i).hbmBytes();
        }
        double totalNs = steps.isEmpty() ? 0 : steps.getLast().endNs();
        return new GoldenRecord(model, chip, options, maxTokens, prompt, result.promptIds(), result.generatedIds(),
                result.text(), result.stopReason(), stepNs, totalNs, hbmBytes);
    }

    /** A new greedy sampler: samplers keep state, so no two generations share one. */
    private static Sampler greedy() {
        return new Sampler(0, 0, 1, 1);
    }

    /**
     * The prompts of a prompts file: every line is one prompt, taken as is (no escapes, so a prompt cannot hold a line
     * break); an empty line is the empty prompt; the line break ending the last line does not add a prompt.
     */
    public static List<String> readPrompts(Path file) {
        List<String> prompts = GoldenRecord.readLines(file);
        if (prompts.isEmpty()) {
            throw new GoldenFileException(file, "no prompts (expected one prompt per line; an empty line is the"
                    + " empty prompt)");
        }
        return prompts;
    }
}
