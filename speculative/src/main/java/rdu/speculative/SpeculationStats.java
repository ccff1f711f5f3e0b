package rdu.speculative;

/**
 * Acceptance figures of one request, for the summary and the CSV: how many tokens each step committed, what
 * share of the drafted tokens the target accepted, and how acceptance falls off along the draft (position i
 * is only verified if the i tokens before it were accepted).
 */
public final class SpeculationStats {

    private final int[] proposedAt;
    private final int[] acceptedAt;
    private int steps;
    private int proposed;
    private int accepted;
    private int committed;

    /** @param k the longest draft a step may verify */
    public SpeculationStats(int k) {
        proposedAt = new int[k];
        acceptedAt = new int[k];
    }

    /** Records one step: a draft of proposed tokens, the first accepted of them kept, committed tokens kept. */
    public void record(int proposedTokens, int acceptedTokens, int committedTokens) {
        steps++;
        proposed += proposedTokens;
        accepted += acceptedTokens;
        committed += committedTokens;
        for (int i = 0; i < proposedTokens; i++) {
            proposedAt[i]++;
            if (i < acceptedTokens) {
                acceptedAt[i]++;
            }
        }
    }

    /** The longest draft a step may verify. */
    public int k() {
        return proposedAt.length;
    }

    public int steps() {
        return steps;
    }

    public int proposed() {
        return proposed;
    }

    public int accepted() {
        return accepted;
    }

    public int committed() {
        return committed;
    }

    /** Mean draft tokens accepted per step. */
    public double acceptedPerStep() {
        return steps == 0 ? 0 : (double) accepted / steps;
    }

    /** Mean tokens committed per step (accepted ones plus the target's own): the speedup in passes. */
    public double committedPerStep() {
        return steps == 0 ? 0 : (double) committed / steps;
    }

    /** Accepted share of the drafted tokens; 0 when nothing was drafted. */
    public double acceptanceRate() {
        return proposed == 0 ? 0 : (double) accepted / proposed;
    }

    /** How many steps proposed a token at draft position i (0-based). */
    public int proposedAt(int i) {
        return proposedAt[i];
    }

    /** How many steps had the draft token at position i (0-based) accepted. */
    public int acceptedAt(int i) {
        return acceptedAt[i];
    }
}
