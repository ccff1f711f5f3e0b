package rdu.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import rdu.chip.ChipFile;
import rdu.convert.Converter;
import rdu.generate.Generator;
import rdu.model.Checkpoint;
import rdu.sampling.Sampler;
import rdu.schedule.ScheduleOptions;
import rdu.tensor.DType;

/**
 * rdu convert on every family's reference checkpoint (F32, from scripts/reference-families). To F32 the converted
 * model is the original: the same logits bit for bit, the same greedy tokens. To BF16 and F16 its logits stay within
 * the rounding of the weights, and each greedy token it picks is the original's best, or within that rounding of it.
 */
class ConvertedFamilyTest {

    @TempDir
    Path dir;

    /** A model's logits over the reference's inputs, and its own greedy tokens from the reference's prompt. */
    record Run(float[][] logits, int[] tokens) {

        static Run of(Path model, FamilyReferenceTest.Reference reference) {
            try (Checkpoint checkpoint = Checkpoint.open(model)) {
                Generator generator = generator(checkpoint);
                return new Run(generator.score(reference.inputs()), generator.generate(reference.prompt(),
                        reference.tokens().length, new Sampler(0, 0, 1, 1), (i, t, l, b) -> { }).generatedIds());
            }
        }
    }

    /** A reference case's checkpoint, its reference, and the original model's run over it. */
    record Source(Path original, FamilyReferenceTest.Reference reference, Run run) {

        static Source of(String name) throws IOException, InterruptedException {
            Path original = FamilyReferenceTest.references().resolve(name);
            var reference = FamilyReferenceTest.Reference.read(original.resolve("reference.json"));
            return new Source(original, reference, Run.of(original, reference));
        }
    }

    private static Generator generator(Checkpoint checkpoint) {
        return new Generator(checkpoint, Generator.Setup.of(ChipFile.load(ChipFile.DEFAULT), ScheduleOptions.defaults())
                .withTiming(Generator.Timing.OFF));
    }

    private Path converted(Path original, String name, DType dtype) {
        Path out = dir.resolve(name + "-" + dtype);
        Converter.convert(new Converter.Request(original, out, dtype, false), (done, total, current) -> { });
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("rdu.golden.FamilyReferenceTest#CASES")
    void toItsOwnDtypeACheckpointGivesTheSameLogitsBitForBit(String name) throws Exception {
        Source c = Source.of(name);
        Run source = c.run();
        Run f32 = Run.of(converted(c.original(), name, DType.F32), c.reference());
        assertArrayEquals(source.tokens(), f32.tokens(), name + ": greedy tokens");
        for (int i = 0; i < source.logits().length; i++) {
            int position = i;
            assertArrayEquals(bits(source.logits()[i]), bits(f32.logits()[i]), () -> name + ", position " + position);
        }
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("rdu.golden.FamilyReferenceTest#CASES")
    void narrowedACheckpointStaysWithinTheRoundingOfItsWeights(String name) throws Exception {
        Source c = Source.of(name);
        Run source = c.run();
        try (Checkpoint checkpoint = Checkpoint.open(c.original())) {
            Generator generator = generator(checkpoint);
            for (DType dtype : new DType[] {DType.BF16, DType.F16}) {
                String what = name + " converted to " + dtype;
                double tolerance = tolerance(dtype, source.logits());
                Run narrow = Run.of(converted(c.original(), name, dtype), c.reference());
                for (int i = 0; i < source.logits().length; i++) {
                    for (int j = 0; j < source.logits()[i].length; j++) {
                        assertEquals(source.logits()[i][j], narrow.logits()[i][j], tolerance,
                                what + ": position " + i + ", logit " + j);
                    }
                }
                // the original's logits where the narrowed model chose each token: its best, up to a near tie
                int[] prompt = c.reference().prompt();
                int[] fed = IntStream.concat(IntStream.of(prompt),
                        IntStream.of(narrow.tokens()).limit(narrow.tokens().length - 1)).toArray();
                float[][] originals = generator.score(fed);
                for (int k = 0; k < narrow.tokens().length; k++) {
                    float[] row = originals[prompt.length - 1 + k];
                    float best = row[0];
                    for (float v : row) {
                        best = Math.max(best, v);
                    }
                    float chosen = row[narrow.tokens()[k]];
                    assertTrue(best - chosen <= 2 * tolerance, what + ": greedy token " + k + " ("
                            + narrow.tokens()[k] + ") has the original's logit " + chosen + ", its best " + best);
                }
            }
        }
    }

    private static int[] bits(float[] row) {
        int[] bits = new int[row.length];
        Arrays.setAll(bits, i -> Float.floatToRawIntBits(row[i]));
        return bits;
    }

    /**
     * How far rounded weights may move a logit: a few units of the dtype's rounding (BF16 keeps 8 bits of
     * significand, F16 11) relative to the largest logit the original gives, as the errors of many weights add up.
     */
    private static double tolerance(DType dtype, float[][] logits) {
        double largest = 1;
        for (float[] row : logits) {
            for (float v : row) {
                largest = Math.max(largest, Math.abs(v));
            }
        }
        double unit = dtype == DType.BF16 ? 0x1p-8 : 0x1p-11;
        return 4 * unit * largest;
    }
}
