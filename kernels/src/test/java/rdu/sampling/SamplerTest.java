package rdu.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SamplerTest {

    @Test
    void generatorMatchesRunC() {
        // run.c random_u32 from state 42, printed by a C build of run.c's function.
        Sampler sampler = new Sampler(1, 0, 0, 42);
        long[] expected = {1456360119L, 3359763283L, 3393612768L, 4054632243L, 3283045847L};
        for (long e : expected) {
            assertEquals(e, Integer.toUnsignedLong(sampler.nextInt()));
        }
    }

    /** Logits sin(1.7 i) * 3 over 37 tokens at temperature 0.8, as the C program that made the expectations. */
    private static float[] logits() {
        float[] l = new float[37];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) Math.sin(i * 1.7f) * 3.0f;
        }
        return l;
    }

    @Test
    void samplesMatchRunCForTopPAndMultinomial() {
        int[] topP = {8, 23, 34, 23, 31, 1, 34, 12, 23, 34, 23, 16, 1, 5, 27, 19, 30, 19, 23, 1};
        int[] multinomial = {27, 12, 12, 12, 34, 5, 16, 1, 12, 16, 12, 23, 8, 30, 23, 34, 34, 31, 12, 8};
        assertArrayEquals(topP, draws(new Sampler(0.8f, 0, 0.9f, 1234), 20));
        assertArrayEquals(multinomial, draws(new Sampler(0.8f, 0, 1.0f, 1234), 20));
        assertArrayEquals(multinomial, draws(new Sampler(0.8f, 0, 0.0f, 1234), 20));
    }

    private static int[] draws(Sampler sampler, int n) {
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = sampler.sample(logits());
        }
        return tokens;
    }

    @Test
    void sameSeedSameSequenceOtherSeedOtherSequence() {
        assertArrayEquals(draws(new Sampler(1, 0, 0.95f, 7), 50), draws(new Sampler(1, 0, 0.95f, 7), 50));
        assertTrue(!java.util.Arrays.equals(draws(new Sampler(1, 0, 0.95f, 7), 50),
                draws(new Sampler(1, 0, 0.95f, 8), 50)));
    }

    @Test
    void empiricalDistributionFollowsSoftmax() {
        float[] base = {0.5f, -1, 2, 0, 1.5f};
        double[] p = new double[base.length];
        double sum = 0;
        for (int i = 0; i < base.length; i++) {
            p[i] = Math.exp(base[i]);
            sum += p[i];
        }
        Sampler sampler = new Sampler(1, 0, 0, 99);
        int draws = 40000;
        int[] counts = new int[base.length];
        for (int d = 0; d < draws; d++) {
            counts[sampler.sample(base.clone())]++;
        }
        for (int i = 0; i < base.length; i++) {
            // 0.01 is over 4 standard deviations for these probabilities and this many draws.
            assertEquals(p[i] / sum, counts[i] / (double) draws, 0.01, "token " + i);
        }
    }

    @Test
    void topKSamplesOnlyTheKLargest() {
        float[] base = {3, 1, 4, 1, 5, 9, 2, 6};
        Sampler sampler = new Sampler(2, 3, 0, 5);
        int[] counts = new int[base.length];
        for (int d = 0; d < 3000; d++) {
            counts[sampler.sample(base.clone())]++;
        }
        for (int i = 0; i < base.length; i++) {
            boolean top3 = i == 4 || i == 5 || i == 7;
            assertEquals(top3, counts[i] > 0, "token " + i + " drawn " + counts[i] + " times");
        }
        float[] ties = {1, 1, 1, 1};
        float[] probabilities = ties.clone();
        new Sampler(1, 2, 0, 5).sample(probabilities);
        assertArrayEquals(new float[] {0.5f, 0.5f, 0, 0}, probabilities, "ties at the cut keep the lowest indices");
    }

    @Test
    void greedyAndTinyNucleusPickTheArgmax() {
        assertEquals(2, new Sampler(0, 0, 0, 1).sample(new float[] {1, 2, 3, 0}));
        // Flat distribution with top-p below every probability: the nucleus is the first most likely token.
        assertEquals(0, new Sampler(1, 0, 0.01f, 1).sample(new float[] {1, 1, 1, 1}));
        assertEquals(0, new Sampler(1, 0, 0.5f, 1).sample(new float[] {4}));
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-0.1f, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(Float.NaN, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, -1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 1.5f, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 0, 0));
        assertTrue(e.getMessage().contains("seed"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 0, 1).sample(new float[0]));
    }
}
