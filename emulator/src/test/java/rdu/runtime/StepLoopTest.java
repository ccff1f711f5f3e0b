package rdu.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import rdu.timing.Pass;

/** The loop's request rules, with a decoder that commits scripted tokens: what ends a request, and in what order. */
class StepLoopTest {

    /** Commits {@code perStep} tokens a step (fewer where the room ends), counting up from 100: 100, 101, ... */
    private static Decoder counting(int perStep) {
        return (context, length, room) -> {
            int n = Math.min(perStep, room);
            int[] tokens = new int[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = 100 + length + i - context[0];
            }
            return new Step(List.of(new Pass(Pass.Phase.VERIFY, length - 1, n)), tokens, null, n - 1, n - 1);
        };
    }

    private record Seen(List<Integer> tokens, List<Integer> stops, List<StepRecord> steps) implements StepListener {
        Seen() {
            this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }

        @Override
        public void onStep(StepRecord record) {
            steps.add(record);
        }

        @Override
        public void onToken(int index, int token, float[] logits) {
            assertEquals(tokens.size(), index, "token indexes count up from 0");
            tokens.add(token);
        }

        @Override
        public void onStopToken(int token, float[] logits) {
            stops.add(token);
        }
    }

    @Test
    void aRequestEndsAtItsMaxTokensEvenInTheMiddleOfWhatAStepCouldCommit() {
        var seen = new Seen();
        StepLoop.Outcome outcome = StepLoop.run(new int[] {0, 0, 0}, 7, 100, Set.of(), counting(3), null, seen);
        assertEquals(StopReason.MAX_TOKENS, outcome.stopReason());
        assertArrayEquals(new int[] {103, 104, 105, 106, 107, 108, 109}, outcome.generated());
        assertEquals(List.of(3, 3, 1), seen.steps().stream().map(StepRecord::tokens).toList());
        assertEquals(List.of(0, 3, 6), seen.steps().stream().map(StepRecord::firstToken).toList());
    }

    @Test
    void aStopTokenEndsTheRequestAndWhatTheStepCommittedAfterItIsDropped() {
        var seen = new Seen();
        StepLoop.Outcome outcome = StepLoop.run(new int[] {0, 0}, 50, 100, Set.of(106), counting(4), null, seen);
        assertEquals(StopReason.STOP_TOKEN, outcome.stopReason());
        assertArrayEquals(new int[] {102, 103, 104, 105}, outcome.generated());
        assertEquals(List.of(106), seen.stops());
        assertEquals(2, outcome.steps(), "the second step committed 106 and 107: 107 is never reported");
    }

    @Test
    void theContextHoldsOneTokenMoreThanItsPositionsAndThenIsFull() {
        // 8 positions, a 3-token prompt: positions 2..7 are fed, each choosing a token: 6 tokens, the last never fed
        for (int perStep : new int[] {1, 2, 5}) {
            StepLoop.Outcome outcome = StepLoop.run(new int[] {0, 0, 0}, 1000, 8, Set.of(), counting(perStep), null,
                    new Seen());
            assertEquals(StopReason.CONTEXT_FULL, outcome.stopReason(), perStep + " a step");
            assertEquals(6, outcome.generated().length, perStep + " a step");
        }
    }

    @Test
    void aDecoderThatCommitsBeyondTheRoomIsABug() {
        Decoder greedy = (context, length, room) -> new Step(List.of(new Pass(Pass.Phase.DECODE, length - 1, 1)),
                new int[room + 1], null, 0, 0);
        var e = assertThrows(IllegalStateException.class,
                () -> StepLoop.run(new int[] {0}, 4, 100, Set.of(), greedy, null, new Seen()));
        assertEquals("a step committed 5 tokens with room for 4", e.getMessage());
    }

    @Test
    void badRequestsAreRefusedBeforeAnyStep() {
        assertEquals("a request needs at least one token (BOS)", assertThrows(IllegalArgumentException.class,
                () -> StepLoop.run(new int[0], 4, 8, Set.of(), counting(1), null, new Seen())).getMessage());
        assertEquals("the prompt is 9 tokens but the model's context is 8 positions",
                assertThrows(IllegalArgumentException.class, () -> StepLoop.run(new int[9], 4, 8, Set.of(),
                        counting(1), null, new Seen())).getMessage());
        assertEquals("max tokens must be >= 0, found -1", assertThrows(IllegalArgumentException.class,
                () -> StepLoop.run(new int[1], -1, 8, Set.of(), counting(1), null, new Seen())).getMessage());
        var none = new Seen();
        assertEquals(0, StepLoop.run(new int[1], 0, 8, Set.of(), counting(1), null, none).steps());
        assertTrue(none.steps().isEmpty());
    }

    @Test
    void theHostTakesOverAtTheFirstPassOfEveryMthStepOrEveryPassWithoutOffloading() {
        var offloaded = new StepLoop.Timing(null, null, 20, false);
        assertTrue(offloaded.hostTakesOver(0, 0));
        assertFalse(offloaded.hostTakesOver(0, 1), "the draft and verify passes of a step run without the host");
        assertFalse(offloaded.hostTakesOver(19, 0));
        assertTrue(offloaded.hostTakesOver(40, 0));
        var hostDriven = new StepLoop.Timing(null, null, 1, false);
        for (int pass = 0; pass < 5; pass++) {
            assertTrue(hostDriven.hostTakesOver(7, pass), "pass " + pass);
        }
    }
}
