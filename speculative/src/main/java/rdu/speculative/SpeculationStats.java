package rdu.speculative;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Acceptance figures of one request, for the summary and the CSV: how many tokens each step committed, what
 * share of the drafted tokens the target accepted, and how acceptance falls off along the draft (position i
 * is only verified if the i tokens before it were accepted).
 */
public final class SpeculationStats {

    private final int[] proposedAt;
    private final int[] reachedAt;
    private final int[] acceptedAt;
    private int steps;
    private int proposed;
    private int accepted;
    private int committed;

    /** @param k the longest draft a step may verify */
    public SpeculationStats(int k) {
        proposedAt = new int[k];
        reachedAt = new int[k];
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
            if (i <= acceptedTokens) {
                reachedAt[i]++;
            }
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

    /**
     * How many steps reached draft position i (0-based): proposed a token there and had every token before it
     * accepted, so that the target's verdict on position i decided something.
     */
    public int reachedAt(int i) {
        return reachedAt[i];
    }

    /** How many steps had the draft token at position i (0-based) accepted. */
    public int acceptedAt(int i) {
        return acceptedAt[i];
    }

    /**
     * The measured conditional acceptance of each draft position, acceptedAt(i) / reachedAt(i), as a profile a
     * timing-only run can replay. A position no step reached gets 0: it happens when every step was rejected
     * before it (then the product of the earlier rates is 0 and E does not depend on it) or when drafts were cut
     * shorter (the end of the request, a drafter that found nothing); a one-position profile (k = 1) is read as
     * a RATE for any k. When every step proposed a full draft and no stop token cut one, E(k) of the profile equals
     * committedPerStep() (up to rounding): the rates' products telescope to acceptedAt(i) / steps.
     *
     * @throws IllegalStateException if no draft token was proposed: there is nothing to measure (check proposed())
     */
    public AcceptanceProfile measuredProfile() {
        if (proposed == 0) {
            throw new IllegalStateException("no draft token was proposed, so there is no acceptance to measure");
        }
        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < acceptedAt.length; i++) {
            rates.add(reachedAt[i] == 0 ? 0 : (double) acceptedAt[i] / reachedAt[i]);
        }
        return new AcceptanceProfile("measured", rates);
    }

    /**
     * Writes {@link #measuredProfile} as a profile file for {@code rdu simulate --acceptance FILE}: the caller's
     * {@code header} (which model pair, k, prompts) and the counts behind each rate as comments, then the rates.
     */
    public void writeProfile(Path file, String header) {
        StringBuilder comments = new StringBuilder(header).append('\n').append(String.format(Locale.ROOT,
                "measured over %d steps: %d draft tokens proposed, %d accepted, %d tokens committed (%.4f a step)",
                steps, proposed, accepted, committed, committedPerStep()));
        for (int i = 0; i < acceptedAt.length; i++) {
            comments.append(String.format(Locale.ROOT, "\nposition %d: accepted in %d of the %d steps that reached it",
                    i + 1, acceptedAt[i], reachedAt[i]));
        }
        measuredProfile().write(file, comments.toString());
    }
}
