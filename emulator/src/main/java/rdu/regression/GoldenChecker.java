package rdu.regression;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import rdu.generate.Generator;
import rdu.model.Checkpoint;
import rdu.schedule.ScheduleOptions;
import rdu.tokenizer.Tokenizer;

/**
 * Re-runs golden records with their recorded model, chip, schedule options, max tokens and prompt, and lists how the
 * results differ. Keeps the last checkpoint open and its generator, so consecutive records of one model load it once
 * and, on one chip with one set of schedule options, compile its schedule once.
 */
public final class GoldenChecker implements AutoCloseable {

    /** Step differences a report lists per record; the rest are only counted. */
    public static final int LISTED_STEPS = 10;

    private final Path modelRoot;
    private final double tolerance;
    private Path openPath;
    private Checkpoint checkpoint;
    /** What {@link #generator} was made for: the chip and options of the record before, on {@link #checkpoint}. */
    private GeneratorFor generatorFor;
    private Generator generator;

    private record GeneratorFor(String chip, ScheduleOptions options) {
    }

    /**
     * @param modelRoot what a relative model path in a record is relative to
     * @param tolerance the largest relative difference of a step's modeled time that still passes
     */
    public GoldenChecker(Path modelRoot, double tolerance) {
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("the time tolerance must be a finite number >= 0, found " + tolerance);
        }
        this.modelRoot = modelRoot;
        this.tolerance = tolerance;
    }

    /** Runs the record's generation again; an empty list means it reproduced. */
    public List<Difference> check(GoldenRecord expected) {
        Path path = modelRoot.resolve(expected.model());
        if (!path.equals(openPath)) {
            close();
            checkpoint = Checkpoint.open(path);
            openPath = path;
        }
        var wanted = new GeneratorFor(expected.chip(), expected.options());
        if (!wanted.equals(generatorFor)) {
            generator = GoldenRecorder.generator(checkpoint, expected.chip(), expected.options());
            generatorFor = wanted;
        }
        GoldenRecord found = expected.prompt() == null
                ? GoldenRecorder.record(generator, expected.model(), expected.chip(), expected.options(),
                        expected.maxTokens(), expected.promptIds())
                : GoldenRecorder.record(generator, expected.model(), expected.chip(), expected.options(),
                        expected.maxTokens(), expected.prompt());
        return compare(expected, found, checkpoint.tokenizer());
    }

    /** Report lines for one record's differences: all of them, but only the first {@link #LISTED_STEPS} steps. */
    public static List<String> describe(List<Difference> differences) {
        List<String> lines = new ArrayList<>();
        int steps = 0;
        for (Difference d : differences) {
            if (d instanceof Difference.Step) {
                steps++;
                if (steps > LISTED_STEPS) {
                    continue;
                }
            }
            lines.add(d.describe());
        }
        if (steps > LISTED_STEPS) {
            lines.add("... and " + (steps - LISTED_STEPS) + " more step differences");
        }
        return lines;
    }

    /** Whole-record differences first, step differences last and in step order (describe() counts from there). */
    private List<Difference> compare(GoldenRecord expected, GoldenRecord found, Tokenizer tokenizer) {
        List<Difference> differences = new ArrayList<>();
        if (!Arrays.equals(expected.promptIds(), found.promptIds())) {
            differences.add(new Difference.Field("prompt_ids", Arrays.toString(expected.promptIds()),
                    Arrays.toString(found.promptIds())));
        }
        int[] e = expected.generatedIds();
        int[] f = found.generatedIds();
        int first = Arrays.mismatch(e, f);
        int common = Math.min(e.length, f.length);
        if (first >= 0 && first < common) {
            int[] context = Arrays.copyOf(found.promptIds(), found.promptIds().length + first);
            System.arraycopy(f, 0, context, found.promptIds().length, first);
            differences.add(new Difference.Token(first, e[first], text(tokenizer, context, e[first]), f[first],
                    text(tokenizer, context, f[first])));
        } else if (first >= 0) {
            differences.add(new Difference.Field("generated_ids", e.length + " tokens",
                    f.length + " tokens (the first " + common + " equal)"));
        }
        if (expected.stopReason() != found.stopReason()) {
            differences.add(new Difference.Field("stop_reason", GoldenRecord.lower(expected.stopReason()),
                    GoldenRecord.lower(found.stopReason())));
        }
        if (!Arrays.equals(expected.generatedBytes(), found.generatedBytes())) {
            HexFormat hex = HexFormat.of();
            differences.add(new Difference.Field("generated_bytes_hex", hex.formatHex(expected.generatedBytes()),
                    hex.formatHex(found.generatedBytes())));
        }
        if (beyondTolerance(expected.totalNs(), found.totalNs())) {
            differences.add(new Difference.Field("modeled_total_ns", expected.totalNs() + " ns",
                    found.totalNs() + " ns"));
        }
        if (expected.stepNs().length != found.stepNs().length) {
            differences.add(new Difference.Field("modeled_step_ns", expected.stepNs().length + " steps",
                    found.stepNs().length + " steps"));
        }
        for (int i = 0; i < Math.min(expected.stepNs().length, found.stepNs().length); i++) {
            if (beyondTolerance(expected.stepNs()[i], found.stepNs()[i])
                    || expected.hbmBytes()[i] != found.hbmBytes()[i]) {
                differences.add(new Difference.Step(i, expected.stepNs()[i], found.stepNs()[i],
                        expected.hbmBytes()[i], found.hbmBytes()[i]));
            }
        }
        return differences;
    }

    private boolean beyondTolerance(double expectedNs, double foundNs) {
        return Math.abs(foundNs - expectedNs) > tolerance * Math.abs(expectedNs);
    }

    /** The text {@code id} adds after {@code context}; a golden file may hold ids the tokenizer does not know. */
    private static String text(Tokenizer tokenizer, int[] context, int id) {
        if (id < 0 || id >= tokenizer.vocabSize()) {
            return "(not in the vocabulary)";
        }
        return new String(tokenizer.decode(context, new int[] {id}), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (checkpoint != null) {
            checkpoint.close();
            checkpoint = null;
            openPath = null;
            generator = null;
            generatorFor = null;
        }
    }
}
