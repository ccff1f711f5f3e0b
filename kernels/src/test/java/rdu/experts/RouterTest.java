package rdu.experts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RouterTest {

    @Test
    void picksTheMostProbableExpertsWithTheirSoftmaxProbabilities() {
        float[] scores = {0.5f, 2.0f, -1.0f, 1.5f};
        double[] p = new double[4];
        double sum = 0;
        for (int e = 0; e < 4; e++) {
            p[e] = Math.exp(scores[e]);
            sum += p[e];
        }
        int[] chosen = new int[2];
        float[] weights = new float[2];
        Router.route(scores.clone(), 2, false, chosen, weights);
        assertArrayEquals(new int[] {1, 3}, chosen);
        assertEquals(p[1] / sum, weights[0], 1e-6);
        assertEquals(p[3] / sum, weights[1], 1e-6);

        Router.route(scores.clone(), 2, true, chosen, weights);
        assertEquals(p[1] / (p[1] + p[3]), weights[0], 1e-6, "renormalised over the chosen two");
        assertEquals(p[3] / (p[1] + p[3]), weights[1], 1e-6);
    }

    @Test
    void tiesGoToTheLowerExpertAndKMustFit() {
        int[] chosen = new int[2];
        float[] weights = new float[2];
        Router.route(new float[] {1, 3, 3, 1}, 2, true, chosen, weights);
        assertArrayEquals(new int[] {1, 2}, chosen);
        assertThrows(IllegalArgumentException.class, () -> Router.route(new float[3], 4, false, new int[4],
                new float[4]));
    }
}
