package rdu.speculative;

/** Proposes tokens to follow a context, cheaply, for the target to verify in one pass. */
public interface Drafter {

    /**
     * Up to k tokens to follow context[0, length). Fewer (or none) when the drafter has nothing better; the
     * step then verifies what there is, down to a plain one-position decode.
     */
    Draft propose(int[] context, int length, int k);
}
