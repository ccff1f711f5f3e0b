package rdu.speculative;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

/**
 * Speculative sampling must leave the target's distribution exactly as it is. These tests sample the first
 * two tokens of many seeded requests and compare their frequencies with the target's own probabilities by a
 * chi-square test; the same test must catch a wrong acceptance rule, or it would prove nothing.
 */
class StochasticVerifierTest {

    private static final int VOCAB = 5;
    private static final int CONTEXT = 16;
    private static final int SAMPLES = 20_000;
    /** The n-gram drafter proposes [2, 1, 3] after this prompt: its tail [1, 3] occurred at the start. */
    private static final int[] PROMPT = {1, 3, 2, 1, 3};
    /**
     * How many standard deviations above its mean the chi-square statistic may lie. A correct sampler passes
     * all but a vanishing share of seeds; the seeds are fixed, so the outcome never changes between runs.
     */
    private static final double LIMIT = 6;

    private static TableModel target() {
        return new TableModel(VOCAB, CONTEXT, 11, 1.5);
    }

    /** A draft model that disagrees with the target often, so many tokens are rejected and resampled. */
    private static Function<SplittableRandom, Drafter> sampledDraft() {
        TableModel draft = target().perturbed(7, 1.5);
        return random -> new DraftModelDrafter(draft, 1, random);
    }

    private static Function<SplittableRandom, Drafter> ngram() {
        return random -> new NgramDrafter(2, VOCAB);
    }

    @Test
    void aSampledDraftLeavesTheTargetDistributionOfTheFirstTwoTokens() {
        long[] counts = firstTwoTokens(sampledDraft(), StochasticVerifier.SPECULATIVE_SAMPLING);
        assertConsistent(firstTokenCounts(counts), firstTokenProbabilities(), "first token");
        assertConsistent(counts, firstTwoTokenProbabilities(), "first two tokens");
    }

    @Test
    void aPromptLookupDraftLeavesTheTargetDistributionOfTheFirstTwoTokens() {
        long[] counts = firstTwoTokens(ngram(), StochasticVerifier.SPECULATIVE_SAMPLING);
        assertConsistent(firstTokenCounts(counts), firstTokenProbabilities(), "first token");
        assertConsistent(counts, firstTwoTokenProbabilities(), "first two tokens");
    }

    @Test
    void theCheckDetectsARuleThatAlwaysAccepts() {
        StochasticVerifier.AcceptanceRule always = (p, q) -> 1;
        assertBiased(firstTwoTokens(sampledDraft(), always), "sampled draft, always accept");
        assertBiased(firstTwoTokens(ngram(), always), "prompt lookup, always accept");
    }

    @Test
    void theCheckDetectsTheInvertedRatio() {
        StochasticVerifier.AcceptanceRule inverted = (p, q) -> Math.min(1, q / p);
        assertBiased(firstTwoTokens(sampledDraft(), inverted), "sampled draft, min(1, q/p)");
    }

    /** Counts of (first token, second token) as first * VOCAB + second over SAMPLES seeded requests. */
    private static long[] firstTwoTokens(Function<SplittableRandom, Drafter> drafter,
            StochasticVerifier.AcceptanceRule rule) {
        TableModel target = target();
        SplittableRandom seeds = new SplittableRandom(2026);
        long[] counts = new long[VOCAB * VOCAB];
        for (int s = 0; s < SAMPLES; s++) {
            target.rollback(0);
            StochasticVerifier verifier = new StochasticVerifier(1, seeds.split(), rule);
            SpeculativeStep step = new SpeculativeStep(target, drafter.apply(seeds.split()), verifier, 3, CONTEXT);
            int[] sequence = Arrays.copyOf(PROMPT, CONTEXT);
            int length = PROMPT.length;
            while (length < PROMPT.length + 2) {
                int[] committed = step.next(sequence, length).tokens();
                System.arraycopy(committed, 0, sequence, length, committed.length);
                length += committed.length;
            }
            counts[sequence[PROMPT.length] * VOCAB + sequence[PROMPT.length + 1]]++;
        }
        return counts;
    }

    private static long[] firstTokenCounts(long[] pairCounts) {
        long[] counts = new long[VOCAB];
        for (int pair = 0; pair < pairCounts.length; pair++) {
            counts[pair / VOCAB] += pairCounts[pair];
        }
        return counts;
    }

    /** The target's own distribution of the token after the prompt. */
    private static double[] firstTokenProbabilities() {
        float[][] logits = target().forward(PROMPT, 0);
        return toDouble(Distributions.softmax(logits[logits.length - 1], 1));
    }

    /** p(first) * p(second | first), from the target alone. */
    private static double[] firstTwoTokenProbabilities() {
        double[] first = firstTokenProbabilities();
        double[] pairs = new double[VOCAB * VOCAB];
        TableModel target = target();
        target.forward(PROMPT, 0);
        for (int t = 0; t < VOCAB; t++) {
            target.rollback(PROMPT.length);
            double[] second = toDouble(Distributions.softmax(target.forward(new int[] {t}, PROMPT.length)[0], 1));
            for (int u = 0; u < VOCAB; u++) {
                pairs[t * VOCAB + u] = first[t] * second[u];
            }
        }
        return pairs;
    }

    private static double[] toDouble(float[] p) {
        double[] d = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            d[i] = p[i];
        }
        return d;
    }

    private static void assertConsistent(long[] counts, double[] probabilities, String what) {
        double excess = chiSquareExcess(counts, probabilities);
        assertTrue(excess < LIMIT, what + ": chi-square " + excess + " standard deviations above its mean");
    }

    private static void assertBiased(long[] counts, String what) {
        double excess = chiSquareExcess(counts, firstTwoTokenProbabilities());
        assertTrue(excess > LIMIT, what + ": bias not detected, chi-square only " + excess
                + " standard deviations above its mean");
    }

    /**
     * Pearson's chi-square statistic of the counts against the probabilities, in standard deviations above
     * the mean of a chi-square with the same degrees of freedom. Outcomes expected fewer than 5 times are
     * pooled into one bin, where the chi-square approximation would not hold on its own.
     */
    static double chiSquareExcess(long[] counts, double[] probabilities) {
        long total = Arrays.stream(counts).sum();
        double statistic = 0;
        int bins = 0;
        double pooledExpected = 0;
        long pooledCount = 0;
        for (int i = 0; i < counts.length; i++) {
            double expected = probabilities[i] * total;
            if (expected < 5) {
                pooledExpected += expected;
                pooledCount += counts[i];
            } else {
                statistic += (counts[i] - expected) * (counts[i] - expected) / expected;
                bins++;
            }
        }
        if (pooledExpected > 0) {
            statistic += (pooledCount - pooledExpected) * (pooledCount - pooledExpected) / pooledExpected;
            bins++;
        }
        int degrees = bins - 1;
        return (statistic - degrees) / Math.sqrt(2.0 * degrees);
    }
}
