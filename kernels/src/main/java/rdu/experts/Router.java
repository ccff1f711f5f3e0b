package rdu.experts;

import rdu.activation.Softmax;

/** Mixture-of-Experts routing of one token (Mixtral, Qwen2-MoE): the softmax of the router's scores, its top k. */
public final class Router {

    private Router() {
    }

    /**
     * Writes the k most probable experts into chosen[0..k), most probable first (ties to the lower number), and their
     * probabilities into weights[0..k), renormalised to sum to 1 when {@code normalize}. {@code scores} (one per
     * expert) becomes the probabilities.
     */
    public static void route(float[] scores, int k, boolean normalize, int[] chosen, float[] weights) {
        if (k < 1 || k > scores.length || chosen.length < k || weights.length < k) {
            throw new IllegalArgumentException("routing to the top " + k + " of " + scores.length + " experts into "
                    + chosen.length + " and " + weights.length + " places (expected 1 <= k <= experts, room for k)");
        }
        Softmax.apply(scores, 0, scores.length);
        float sum = 0;
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int e = 0; e < scores.length; e++) {
                if (!taken(chosen, j, e) && (best < 0 || scores[e] > scores[best])) {
                    best = e;
                }
            }
            chosen[j] = best;
            weights[j] = scores[best];
            sum += scores[best];
        }
        if (normalize) {
            for (int j = 0; j < k; j++) {
                weights[j] /= sum;
            }
        }
    }

    private static boolean taken(int[] chosen, int count, int expert) {
        for (int j = 0; j < count; j++) {
            if (chosen[j] == expert) {
                return true;
            }
        }
        return false;
    }
}
