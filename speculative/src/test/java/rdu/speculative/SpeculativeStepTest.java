package rdu.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import rdu.sampling.Argmax;

class SpeculativeStepTest {

    private static final int VOCAB = 7;
    private static final int CONTEXT = 48;
    private static final int[][] PROMPTS = {{3}, {1, 4, 1, 5}, {2, 6, 5, 3, 5, 2, 6, 5}};

    /** Plain greedy decoding of the target, one position per pass: the reference speculation must match. */
    private static int[] plainGreedy(LanguageModel model, int[] prompt, int maxLength, int... stops) {
        int[] sequence = Arrays.copyOf(prompt, maxLength);
        int length = prompt.length;
        model.forward(Arrays.copyOf(prompt, length - 1), 0);
        while (length < maxLength) {
            int next = Argmax.of(model.forward(new int[] {sequence[length - 1]}, length - 1)[0]);
            sequence[length++] = next;
            if (Arrays.stream(stops).anyMatch(stop -> stop == next)) {
                break;
            }
        }
        return Arrays.copyOf(sequence, length);
    }

    /** The runtime loop in miniature: steps until the request ends, appending what each commits. */
    static int[] decode(SpeculativeStep step, int[] prompt, int maxLength) {
        int[] sequence = Arrays.copyOf(prompt, maxLength);
        int length = prompt.length;
        while (length < maxLength) {
            int[] committed = step.next(sequence, length).tokens();
            System.arraycopy(committed, 0, sequence, length, committed.length);
            length += committed.length;
            if (step.isStop(committed[committed.length - 1])) {
                break;
            }
        }
        return Arrays.copyOf(sequence, length);
    }

    private static TableModel target() {
        return new TableModel(VOCAB, CONTEXT, 11, 2.0);
    }

    /** The drafters under test, each built fresh for a request on the given target. */
    private static final String[] DRAFTERS = {"ngram:1", "ngram:2", "close draft", "far draft"};

    private static Drafter drafter(String name, TableModel target) {
        return switch (name) {
            case "ngram:1" -> new NgramDrafter(1, VOCAB);
            case "ngram:2" -> new NgramDrafter(2, VOCAB);
            case "close draft" -> new DraftModelDrafter(target.perturbed(5, 0.7), 0, new SplittableRandom(1));
            case "far draft" -> new DraftModelDrafter(new TableModel(VOCAB, 20, 99, 2.0), 0, new SplittableRandom(1));
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4, 8})
    void greedySpeculationEqualsPlainGreedyForEveryDrafterUpToTheContextEnd(int k) {
        checkAgainstPlainGreedy(k, prompt -> CONTEXT, prompt -> new int[0], true);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4, 8})
    void greedySpeculationEqualsPlainGreedyWithAShortMaxLength(int k) {
        checkAgainstPlainGreedy(k, prompt -> prompt.length + 3, prompt -> new int[0], false);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4, 8})
    void greedySpeculationEqualsPlainGreedyWhenTheLastPositionIsFed(int k) {
        // the token chosen at the context's last position is committed, never fed: one more token than positions
        checkAgainstPlainGreedy(k, prompt -> CONTEXT + 1, prompt -> new int[0], false);
    }

    @Test
    void eachCommittedTokenComesWithTheTargetLogitsItWasVerifiedFrom() {
        TableModel target = target();
        var drafter = new DraftModelDrafter(target.perturbed(5, 0.7), 0, new SplittableRandom(1));
        SpeculativeStep step = new SpeculativeStep(target, drafter, new GreedyVerifier(), 4, CONTEXT);
        int[] sequence = Arrays.copyOf(PROMPTS[2], CONTEXT);
        int length = PROMPTS[2].length;
        int multiple = 0;
        while (length < CONTEXT - 1) {
            SpeculativeStep.Commit commit = step.next(sequence, length);
            System.arraycopy(commit.tokens(), 0, sequence, length, commit.tokens().length);
            float[][] expected = target().forward(Arrays.copyOf(sequence, length + commit.tokens().length - 1), 0);
            for (int i = 0; i < commit.tokens().length; i++) {
                // token i is chosen at position length - 1 + i, from the row of the token before it
                assertArrayEquals(expected[length - 1 + i], commit.logits()[i], "step at " + length + ", token " + i);
            }
            multiple += commit.tokens().length > 1 ? 1 : 0;
            length += commit.tokens().length;
        }
        assertTrue(multiple > 0, "some step committed several tokens");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4, 8})
    void greedySpeculationStopsWherePlainGreedyStops(int k) {
        // Stop at the token plain greedy emits 9th, a point that drafts run into and past.
        checkAgainstPlainGreedy(k, prompt -> CONTEXT,
                prompt -> new int[] {plainGreedy(target(), prompt, CONTEXT)[prompt.length + 8]}, false);
    }

    private static void checkAgainstPlainGreedy(int k, Function<int[], Integer> maxLength,
            Function<int[], int[]> stops, boolean checkExercised) {
        for (String name : DRAFTERS) {
            int accepted = 0;
            int rejected = 0;
            for (int[] prompt : PROMPTS) {
                int max = maxLength.apply(prompt);
                int[] stop = stops.apply(prompt);
                int[] expected = plainGreedy(target(), prompt, max, stop);
                TableModel target = target();
                SpeculativeStep step = new SpeculativeStep(target, drafter(name, target), new GreedyVerifier(), k,
                        max, stop);
                assertArrayEquals(expected, decode(step, prompt, max),
                        name + ", k " + k + ", prompt " + Arrays.toString(prompt));
                accepted += step.stats().accepted();
                rejected += step.stats().proposed() - step.stats().accepted();
            }
            // Over whole contexts the comparison means something only if drafts were both accepted and rejected.
            if (checkExercised) {
                assertTrue(accepted > 0 || name.equals("far draft"), name + ", k " + k + ": nothing accepted");
                assertTrue(rejected > 0, name + ", k " + k + ": nothing rejected");
            }
        }
    }

    @Test
    void afterARejectionBothCachesHoldExactlyTheCommittedTokens() {
        TableModel target = target();
        TableModel draftModel = target.perturbed(5, 3.0);
        DraftModelDrafter drafter = new DraftModelDrafter(draftModel, 0, new SplittableRandom(1));
        SpeculativeStep step = new SpeculativeStep(target, drafter, new GreedyVerifier(), 6, CONTEXT);
        int[] sequence = Arrays.copyOf(PROMPTS[2], CONTEXT);
        int length = PROMPTS[2].length;
        int rejections = 0;
        for (int s = 0; s < 6; s++) {
            int[] committed = step.next(sequence, length).tokens();
            System.arraycopy(committed, 0, sequence, length, committed.length);
            length += committed.length;
            // The target has seen every committed token but the last; the rejected draft positions are gone.
            assertArrayEquals(Arrays.copyOf(sequence, length - 1), target.cached());
            rejections += committed.length <= 6 ? 1 : 0;
            // The draft, rolled back and caught up, proposes exactly what a fresh one would.
            Draft again = drafter.propose(sequence, length, 6);
            TableModel fresh = target.perturbed(5, 3.0);
            Draft expected = new DraftModelDrafter(fresh, 0, new SplittableRandom(1)).propose(sequence, length, 6);
            assertArrayEquals(expected.tokens(), again.tokens());
            assertArrayEquals(fresh.cached(), draftModel.cached());
        }
        assertTrue(rejections > 0, "no step rejected a draft token");
    }

    @Test
    void aDraftModelRollsBackToWhereAChangedContextDiverges() {
        TableModel draftModel = target().perturbed(5, 1.0);
        DraftModelDrafter drafter = new DraftModelDrafter(draftModel, 0, new SplittableRandom(1));
        int[] first = {2, 6, 5, 3, 5, 2, 6, 5};
        int[] second = {2, 6, 1, 1, 4, 2, 6, 5, 0};
        drafter.propose(first, first.length, 4);

        Draft again = drafter.propose(second, second.length, 4);

        TableModel fresh = target().perturbed(5, 1.0);
        Draft expected = new DraftModelDrafter(fresh, 0, new SplittableRandom(1)).propose(second, second.length, 4);
        assertArrayEquals(expected.tokens(), again.tokens());
        assertArrayEquals(fresh.cached(), draftModel.cached());
    }

    @Test
    void aDraftIsCutAfterItsFirstStopTokenAndTheStepEndsThere() {
        int[] prompt = PROMPTS[1];
        int[] greedy = plainGreedy(target(), prompt, CONTEXT);
        int g = prompt.length;
        int stop = greedy[g + 1];
        int[] proposal = {greedy[g], greedy[g + 1], greedy[g + 2], greedy[g + 3]};
        Drafter scripted = (context, length, k) -> Draft.pointMasses(proposal, VOCAB);
        TableModel target = target();
        SpeculativeStep step = new SpeculativeStep(target, scripted, new GreedyVerifier(), 4, CONTEXT, stop);

        assertArrayEquals(new int[] {greedy[g], stop}, step.next(Arrays.copyOf(prompt, CONTEXT), g).tokens());
        // The pass held the prompt and the two draft tokens up to the stop, not the two after it.
        assertEquals(g + 2, target.lastPassSize());
    }

    @Test
    void aDraftIsCutAtTheMaxLength() {
        int[] prompt = PROMPTS[1];
        int[] proposal = {1, 2, 3, 4, 5, 6};
        Drafter scripted = (context, length, k) -> Draft.pointMasses(Arrays.copyOf(proposal, k), VOCAB);
        TableModel target = new TableModel(VOCAB, prompt.length + 2, 11, 2.0);
        SpeculativeStep step = new SpeculativeStep(target, scripted, new GreedyVerifier(), 6, prompt.length + 2);

        int[] committed = step.next(Arrays.copyOf(prompt, prompt.length + 2), prompt.length).tokens();

        assertTrue(committed.length <= 2, "committed " + committed.length + " tokens where 2 remained");
        assertEquals(1, step.stats().proposed());
    }

    @Test
    void aDraftLongerThanKIsCutToK() {
        int[] prompt = PROMPTS[1];
        int[] greedy = plainGreedy(target(), prompt, CONTEXT);
        int g = prompt.length;
        int[] proposal = Arrays.copyOfRange(greedy, g, g + 6);
        Drafter ignoresK = (context, length, k) -> Draft.pointMasses(proposal, VOCAB);
        TableModel target = target();
        SpeculativeStep step = new SpeculativeStep(target, ignoresK, new GreedyVerifier(), 2, CONTEXT);

        assertArrayEquals(Arrays.copyOf(proposal, 3), step.next(Arrays.copyOf(prompt, CONTEXT), g).tokens());
        assertEquals(2, step.stats().proposed());
        assertEquals(g + 2, target.lastPassSize());
    }

    @Test
    void statisticsCountProposedAndAcceptedTokensPerDraftPosition() {
        int[] prompt = PROMPTS[1];
        int[] greedy = plainGreedy(target(), prompt, CONTEXT);
        int g = prompt.length;
        int wrong = (greedy[g + 1] + 1) % VOCAB;
        Drafter scripted = (context, length, k) -> Draft.pointMasses(new int[] {greedy[g], wrong, 0}, VOCAB);
        SpeculativeStep step = new SpeculativeStep(target(), scripted, new GreedyVerifier(), 3, CONTEXT);

        assertArrayEquals(new int[] {greedy[g], greedy[g + 1]}, step.next(Arrays.copyOf(prompt, CONTEXT), g).tokens());

        SpeculationStats stats = step.stats();
        assertEquals(1, stats.steps());
        assertEquals(3, stats.proposed());
        assertEquals(1, stats.accepted());
        assertEquals(2, stats.committed());
        assertEquals(1.0 / 3, stats.acceptanceRate(), 1e-12);
        assertEquals(2.0, stats.committedPerStep(), 1e-12);
        assertEquals(1.0, stats.acceptedPerStep(), 1e-12);
        assertArrayEquals(new int[] {1, 1, 1}, new int[] {stats.proposedAt(0), stats.proposedAt(1), stats.proposedAt(2)});
        assertArrayEquals(new int[] {1, 0, 0}, new int[] {stats.acceptedAt(0), stats.acceptedAt(1), stats.acceptedAt(2)});
    }
}
