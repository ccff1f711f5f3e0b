package rdu.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.graph.TensorParallel;
import rdu.memory.SocketMemory;
import rdu.model.Checkpoint;
import rdu.regression.SharedModels;
import rdu.sampling.Argmax;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;

/** A pass over several positions against the same positions run one at a time, on the shared stories260K model. */
class FunctionalExecutorTest {

    /** The golden records' tolerance on logits. */
    private static final float TOLERANCE = 1e-4f;
    private static final String PROMPT =
            "Once upon a time, there was a little girl named Lily. She loved to play outside";

    private static Path stories() {
        return SharedModels.root().resolve(SharedModels.STORIES);
    }

    /** Each socket's schedule of the checkpoint split over {@code sockets} sockets, as Generator compiles them. */
    private static List<Schedule> schedules(Checkpoint checkpoint, int sockets) {
        Chip chip = ChipFile.load(ChipFile.DEFAULT);
        List<Schedule> schedules = new ArrayList<>();
        for (int s = 0; s < sockets; s++) {
            var shard = TensorParallel.slice(checkpoint.config(), checkpoint.weights(), sockets, s);
            var memory = new SocketMemory(s, chip.hbmBytes(), chip.ddrBytes());
            schedules.add(Schedule.compile(TensorParallel.graph(shard), ScheduleOptions.defaults(), memory));
        }
        return schedules;
    }

    private static FunctionalExecutor executor(Checkpoint checkpoint, int sockets, int positions) {
        return new FunctionalExecutor(schedules(checkpoint, sockets), checkpoint.weights().ropeLayout(),
                checkpoint.config().vocabSize(), positions);
    }

    /** The logits after each token, fed one position at a time, as decode steps feed them. */
    private static float[][] stepByStep(Checkpoint checkpoint, int sockets, int[] tokens) {
        FunctionalExecutor executor = executor(checkpoint, sockets, tokens.length);
        float[][] logits = new float[tokens.length][];
        for (int pos = 0; pos < tokens.length; pos++) {
            logits[pos] = executor.forward(new int[] {tokens[pos]}, pos)[0].clone();
        }
        return logits;
    }

    /** The logits after each token, fed in passes of {@code width} positions (the last pass may be narrower). */
    private static float[][] inPasses(Checkpoint checkpoint, int sockets, int[] tokens, int width) {
        FunctionalExecutor executor = executor(checkpoint, sockets, tokens.length);
        float[][] logits = new float[tokens.length][];
        for (int start = 0; start < tokens.length; start += width) {
            int[] chunk = Arrays.copyOfRange(tokens, start, Math.min(tokens.length, start + width));
            float[][] rows = executor.forward(chunk, start);
            assertEquals(chunk.length, rows.length, "one row of logits per token of the pass");
            for (int i = 0; i < chunk.length; i++) {
                logits[start + i] = rows[i].clone();
            }
        }
        return logits;
    }

    private static void assertSameLogits(float[][] expected, float[][] actual, String what) {
        for (int pos = 0; pos < expected.length; pos++) {
            float maxDiff = 0;
            for (int id = 0; id < expected[pos].length; id++) {
                maxDiff = Math.max(maxDiff, Math.abs(expected[pos][id] - actual[pos][id]));
            }
            assertTrue(maxDiff <= TOLERANCE, what + " position " + pos + ": logits differ by " + maxDiff);
            assertEquals(Argmax.of(expected[pos]), Argmax.of(actual[pos]), what + " position " + pos
                    + ": greedy token");
            // the executor's stronger promise: a row has the bits of its position run alone
            assertArrayEquals(expected[pos], actual[pos], what + " position " + pos + ": bit for bit");
        }
    }

    @ParameterizedTest(name = "{0} socket(s)")
    @ValueSource(ints = {1, 2})
    void passesOfAnyWidthGiveTheLogitsOfTokenByTokenSteps(int sockets) {
        try (Checkpoint checkpoint = Checkpoint.open(stories())) {
            int[] tokens = checkpoint.tokenizer().encode(PROMPT);
            assertTrue(tokens.length >= 20, "the prompt spans about 20 positions, found " + tokens.length);
            float[][] steps = stepByStep(checkpoint, sockets, tokens);
            for (int width : new int[] {tokens.length, 1, 3, 7}) {
                assertSameLogits(steps, inPasses(checkpoint, sockets, tokens, width),
                        sockets + " socket(s), passes of " + width);
            }
        }
    }

    /** A pass wide enough that its SwiGLU rows are split between the host's cores gives each row's bits all the same. */
    @ParameterizedTest(name = "{0} socket(s)")
    @ValueSource(ints = {1, 2})
    void aPassWhoseRowsAreSplitBetweenCoresGivesTheLogitsOfTokenByTokenSteps(int sockets) {
        try (Checkpoint checkpoint = Checkpoint.open(stories())) {
            int[] tokens = checkpoint.tokenizer().encode((PROMPT + ". ").repeat(12));
            long gatedValues = (long) tokens.length * checkpoint.config().intermediateSize() / sockets;
            assertTrue(gatedValues >= SocketExecutor.PARALLEL_ELEMENTS, "the pass's SwiGLU must cover at least "
                    + SocketExecutor.PARALLEL_ELEMENTS + " values to be split, found " + gatedValues);
            assertSameLogits(stepByStep(checkpoint, sockets, tokens), inPasses(checkpoint, sockets, tokens,
                    tokens.length), sockets + " socket(s), one pass of " + tokens.length);
        }
    }

    @Test
    void aPassAfterStepsAttendsToTheCachedPositionsAndAStepAfterAPassToThePass() {
        try (Checkpoint checkpoint = Checkpoint.open(stories())) {
            int[] tokens = checkpoint.tokenizer().encode(PROMPT);
            float[][] steps = stepByStep(checkpoint, 1, tokens);
            FunctionalExecutor executor = executor(checkpoint, 1, tokens.length);
            float[][] mixed = new float[tokens.length][];
            for (int pos = 0; pos < 4; pos++) {
                mixed[pos] = executor.forward(new int[] {tokens[pos]}, pos)[0].clone();
            }
            float[][] rows = executor.forward(Arrays.copyOfRange(tokens, 4, tokens.length - 1), 4);
            for (int i = 0; i < rows.length; i++) {
                mixed[4 + i] = rows[i].clone();
            }
            int last = tokens.length - 1;
            mixed[last] = executor.forward(new int[] {tokens[last]}, last)[0].clone();
            assertSameLogits(steps, mixed, "steps, a pass, a step");
        }
    }

    @ParameterizedTest(name = "{0} socket(s)")
    @ValueSource(ints = {1, 2})
    void aPassAskedForItsLastRowsLogitsGivesThoseOfTokenByTokenStepsAndCachesEveryRow(int sockets) {
        try (Checkpoint checkpoint = Checkpoint.open(stories())) {
            int[] tokens = checkpoint.tokenizer().encode(PROMPT);
            float[][] steps = stepByStep(checkpoint, sockets, tokens);
            int split = tokens.length - 6;
            for (int logitRows : new int[] {0, 1, 3}) {
                FunctionalExecutor executor = executor(checkpoint, sockets, tokens.length);
                float[][] rows = executor.forward(Arrays.copyOf(tokens, split), 0, logitRows);
                assertEquals(logitRows, rows.length, "rows of logits returned");
                float[][] expected = Arrays.copyOfRange(steps, split - logitRows, split);
                assertSameLogits(expected, rows, "the last " + logitRows + " rows of a pass");
                // the rest, one step at a time: attends to every position of the first pass, logits or not
                float[][] after = new float[tokens.length - split][];
                for (int pos = split; pos < tokens.length; pos++) {
                    after[pos - split] = executor.forward(new int[] {tokens[pos]}, pos)[0].clone();
                }
                assertSameLogits(Arrays.copyOfRange(steps, split, tokens.length), after,
                        "steps after a pass with " + logitRows + " rows of logits");
            }
        }
    }

    @Test
    void passesBeyondTheRunsPositionsOrWithoutTokensAreRefused() {
        try (Checkpoint checkpoint = Checkpoint.open(stories())) {
            FunctionalExecutor executor = executor(checkpoint, 1, 8);
            assertMessage("positions 4 to 8 outside the 8 positions of this run",
                    () -> executor.forward(new int[] {1, 2, 3, 4, 5}, 4));
            assertMessage("positions -1 to 0 outside the 8 positions of this run",
                    () -> executor.forward(new int[] {1, 2}, -1));
            assertMessage("position 8 outside the 8 positions of this run",
                    () -> executor.forward(new int[] {1}, 8));
            assertMessage("a forward pass needs at least one token, found none", () -> executor.forward(new int[0], 0));
            assertMessage("logits asked for the last 3 of a pass's 2 positions, expected 0 to 2",
                    () -> executor.forward(new int[] {1, 2}, 0, 3));
            assertMessage("logits asked for the last -1 of a pass's 2 positions, expected 0 to 2",
                    () -> executor.forward(new int[] {1, 2}, 0, -1));
            assertEquals(4, executor.forward(new int[] {1, 2, 3, 4}, 4).length, "the last four positions still run");
        }
    }

    private static void assertMessage(String expected, Runnable call) {
        var e = assertThrows(IllegalArgumentException.class, call::run);
        assertEquals(expected, e.getMessage());
    }
}
