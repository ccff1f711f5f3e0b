package rdu.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import rdu.speculative.AcceptanceProfile;
import rdu.timing.Pass;

/** The passes a timing-only request runs: what real prefill and draft-model speculation would run. */
class PlannedDecoderTest {

    private static Pass pass(Pass.Phase phase, int position, int positions) {
        return new Pass(phase, position, positions);
    }

    @Test
    void aPromptIsPrefilledInChunksAfterTheCachedContextThenDecodedOnePositionAStep() {
        var decoder = new PlannedDecoder(100, 110, 4, null);
        Step prefill = decoder.next(new int[110], 110, 50);
        assertEquals(List.of(pass(Pass.Phase.PREFILL, 100, 4), pass(Pass.Phase.PREFILL, 104, 4),
                pass(Pass.Phase.PREFILL, 108, 2)), prefill.passes());
        assertEquals(1, prefill.committed().length);
        assertEquals(List.of(pass(Pass.Phase.DECODE, 110, 1)), decoder.next(new int[111], 111, 49).passes());
    }

    @Test
    void withoutAPromptTheFirstStepDecodesTheTokenAfterTheContext() {
        var decoder = new PlannedDecoder(100, 100, 512, null);
        assertEquals(List.of(pass(Pass.Phase.DECODE, 100, 1)), decoder.next(new int[101], 101, 10).passes());
    }

    @Test
    void aSpeculativeStepDraftsCatchesUpAndVerifiesAsDraftModelSpeculationDoes() {
        // rate 1: every draft token accepted; k 3
        var decoder = new PlannedDecoder(0, 5, 512, new PlannedDecoder.Speculation(3, AcceptanceProfile.rate(1)));
        decoder.next(new int[5], 5, 100); // prefill, first token: length 6
        Step first = decoder.next(new int[6], 6, 100);
        // the draft catches up on the prompt and the first token (positions 0..5), drafts 2 more, then one verify
        assertEquals(List.of(pass(Pass.Phase.DRAFT, 0, 6), pass(Pass.Phase.DRAFT, 6, 1), pass(Pass.Phase.DRAFT, 7, 1),
                pass(Pass.Phase.VERIFY, 5, 4)), first.passes());
        assertEquals(4, first.committed().length, "3 accepted and the target's own");
        assertEquals(3, first.accepted());
        Step second = decoder.next(new int[10], 10, 100);
        // a fully accepted draft leaves the draft two tokens behind: its last draft token and the target's
        assertEquals(List.of(pass(Pass.Phase.DRAFT, 8, 2), pass(Pass.Phase.DRAFT, 10, 1), pass(Pass.Phase.DRAFT, 11, 1),
                pass(Pass.Phase.VERIFY, 9, 4)), second.passes());
    }

    @Test
    void aRejectionLeavesTheDraftOneTokenBehindAndTheRoomCutsTheDraft() {
        var decoder = new PlannedDecoder(0, 1, 512, new PlannedDecoder.Speculation(4, AcceptanceProfile.rate(0)));
        decoder.next(new int[1], 1, 100);
        Step rejected = decoder.next(new int[2], 2, 100);
        assertEquals(1, rejected.committed().length, "nothing accepted: the target's own token only");
        Step next = decoder.next(new int[3], 3, 3);
        assertEquals(List.of(pass(Pass.Phase.DRAFT, 2, 1), pass(Pass.Phase.DRAFT, 3, 1),
                pass(Pass.Phase.VERIFY, 2, 3)), next.passes(), "room 3: a draft of 2, verified with the last token");
        assertArrayEquals(new int[] {PlannedDecoder.UNKNOWN}, next.committed());
    }
}
