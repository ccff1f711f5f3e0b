package rdu.regression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.runtime.StopReason;
import rdu.model.Checkpoint;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;

/** Record, then check: a faithful re-run passes, and each kind of tampering comes back as the difference it is. */
class GoldenCheckerTest {

    /** 16 tokens of "Once upon a time" (20 steps), recorded with a model path relative to the shared folder. */
    static GoldenRecord once;
    /** "The little dog" runs until the model's stop token (217 tokens). */
    static GoldenRecord dog;

    @BeforeAll
    static void record() {
        try (Checkpoint checkpoint = Checkpoint.open(SharedModels.root().resolve(SharedModels.STORIES))) {
            once = GoldenRecorderTest.recordStories(checkpoint, ScheduleOptions.defaults(), 16, "Once upon a time");
            dog = GoldenRecorderTest.recordStories(checkpoint,
                    ScheduleOptions.defaults().withFusion(Schedule.Fusion.NONE), 256, "The little dog");
        }
    }

    static List<Difference> check(GoldenRecord expected, double tolerance) {
        try (var checker = new GoldenChecker(SharedModels.root(), tolerance)) {
            return checker.check(expected);
        }
    }

    @Test
    void recordsPassAfterAGoldenFileRoundTrip(@TempDir Path dir) {
        Path file = dir.resolve("golden.jsonl");
        GoldenRecord.writeAll(file, List.of(once, dog), false);
        try (var checker = new GoldenChecker(SharedModels.root(), 0)) {
            for (GoldenRecord r : GoldenRecord.readAll(file)) {
                assertEquals(List.of(), checker.check(r), r.setup());
            }
        }
    }

    @Test
    void aTamperedTokenIsTheFirstDifferingStepWithBothTexts() {
        int[] ids = once.generatedIds().clone();
        ids[3] = 376;
        List<Difference> differences = check(copy(once, ids, once.stopReason(), once.stepNs(), once.totalNs(),
                once.hbmBytes()), 1e-9);
        assertEquals(List.of(new Difference.Token(3, 376, " little", 261, " a")), differences);
        assertEquals("generated token 3: expected 376 \" little\", found 261 \" a\"",
                differences.getFirst().describe());
    }

    @Test
    void aShorterRecordIsReportedAsALengthDifference() {
        int[] ids = Arrays.copyOf(once.generatedIds(), 10);
        assertEquals(List.of(new Difference.Field("generated_ids", "10 tokens", "16 tokens (the first 10 equal)")),
                check(copy(once, ids, once.stopReason(), once.stepNs(), once.totalNs(), once.hbmBytes()), 1e-9));
    }

    @Test
    void aTamperedTimeIsReportedWithItsRelativeDifference() {
        double[] ns = once.stepNs().clone();
        ns[7] *= 1.001;
        List<Difference> differences = check(copy(once, once.generatedIds(), once.stopReason(), ns, once.totalNs(),
                once.hbmBytes()), 1e-9);
        var step = new Difference.Step(7, ns[7], once.stepNs()[7], once.hbmBytes()[7], once.hbmBytes()[7]);
        assertEquals(List.of(step), differences);
        assertEquals(0.001 / 1.001, step.relative(), 1e-12);
        assertEquals("step 7: expected " + ns[7] + " ns, found " + once.stepNs()[7]
                + " ns (relative difference 0.000999)", step.describe());
    }

    @Test
    void aTimeWithinTheToleranceStillPasses() {
        double[] ns = once.stepNs().clone();
        ns[7] *= 1 + 1e-12;
        GoldenRecord nearly = copy(once, once.generatedIds(), once.stopReason(), ns, once.totalNs(), once.hbmBytes());
        assertEquals(List.of(), check(nearly, 1e-9));
        assertEquals(1, check(nearly, 0).size(), "tolerance 0 asks for the same doubles");
    }

    @Test
    void aTamperedHbmCountIsAStepDifference() {
        long[] hbm = once.hbmBytes().clone();
        hbm[2] += 64;
        List<Difference> differences = check(copy(once, once.generatedIds(), once.stopReason(), once.stepNs(),
                once.totalNs(), hbm), 1e-9);
        assertEquals(List.of(new Difference.Step(2, once.stepNs()[2], once.stepNs()[2], hbm[2], hbm[2] - 64)),
                differences);
        assertEquals("step 2: HBM bytes expected " + hbm[2] + ", found " + (hbm[2] - 64),
                differences.getFirst().describe());
    }

    @Test
    void aTamperedStopReasonIsReported() {
        assertEquals(List.of(new Difference.Field("stop_reason", "max_tokens", "stop_token")),
                check(copy(dog, dog.generatedIds(), StopReason.MAX_TOKENS, dog.stepNs(), dog.totalNs(),
                        dog.hbmBytes()), 1e-9));
    }

    @Test
    void reportsListTenStepDifferencesThenCountTheRest() {
        double[] ns = once.stepNs().clone();
        for (int i = 0; i < ns.length; i++) {
            ns[i] *= 2;
        }
        List<Difference> differences = check(copy(once, once.generatedIds(), once.stopReason(), ns,
                2 * once.totalNs(), once.hbmBytes()), 1e-9);
        assertEquals(1 + 16, differences.size(), "the total and every step (the prefill, then 15 decode steps)");
        List<String> report = GoldenChecker.describe(differences);
        List<String> expected = new ArrayList<>();
        expected.add("modeled_total_ns: expected " + 2 * once.totalNs() + " ns, found " + once.totalNs() + " ns");
        for (int i = 0; i < GoldenChecker.LISTED_STEPS; i++) {
            expected.add(differences.get(1 + i).describe());
        }
        expected.add("... and 6 more step differences");
        assertEquals(expected, report);
        assertEquals(new Difference.Step(9, ns[9], once.stepNs()[9], once.hbmBytes()[9], once.hbmBytes()[9]),
                differences.get(10));
    }

    @Test
    void aNegativeToleranceIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new GoldenChecker(SharedModels.root(), -1e-9));
        assertThrows(IllegalArgumentException.class, () -> new GoldenChecker(SharedModels.root(), Double.NaN));
    }

    @Test
    void aRecordAskingForTwoBillionTokensRunsToItsStopTokenWithoutSizingAnythingByIt() {
        var unbounded = new GoldenRecord(dog.model(), dog.chip(), dog.options(), Integer.MAX_VALUE, dog.prompt(),
                dog.promptIds(), dog.generatedIds(), dog.generatedBytes(), dog.stopReason(), dog.stepNs(),
                dog.totalNs(), dog.hbmBytes());
        assertEquals(List.of(), assertTimeoutPreemptively(Duration.ofSeconds(60), () -> check(unbounded, 1e-9)));
    }

    private static GoldenRecord copy(GoldenRecord r, int[] generatedIds, StopReason stopReason, double[] stepNs,
                                     double totalNs, long[] hbmBytes) {
        return new GoldenRecord(r.model(), r.chip(), r.options(), r.maxTokens(), r.prompt(), r.promptIds(),
                generatedIds, r.generatedBytes(), stopReason, stepNs, totalNs, hbmBytes);
    }
}
