package rdu.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NgramDrafterTest {

    @Test
    void proposesWhatFollowedTheMostRecentEarlierOccurrence() {
        int[] context = {5, 6, 1, 5, 6, 2, 3, 5, 6};
        assertArrayEquals(new int[] {2, 3}, new NgramDrafter(2, 8).propose(context, context.length, 2).tokens());
    }

    @Test
    void stopsAtTheEndOfTheContext() {
        int[] context = {4, 7, 1, 4, 7};
        assertArrayEquals(new int[] {1, 4, 7}, new NgramDrafter(2, 8).propose(context, context.length, 8).tokens());
    }

    @Test
    void proposesNothingWithoutAnEarlierOccurrence() {
        int[] context = {1, 2, 3, 4, 3};
        assertArrayEquals(new int[0], new NgramDrafter(2, 8).propose(context, context.length, 4).tokens());
    }

    @Test
    void refusesAnNBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> new NgramDrafter(0, 8));
    }
}
