package rdu.family;

import java.util.Set;

/**
 * A sparse Mixture-of-Experts feed-forward block (Mixtral, Qwen2-MoE): a router scores the token against each of
 * {@code experts} gated MLPs of width {@code width}, the softmax of the scores picks the {@code topK} best, and their
 * outputs are summed weighted by their probabilities (renormalised to sum to 1 when {@code normalizeTopK}). A shared
 * expert of width {@code sharedWidth} (0: none) takes every token, its output scaled by sigmoid(shared_expert_gate x).
 *
 * @param denseLayers the layers that keep a dense MLP of intermediate_size instead (Qwen2-MoE's mlp_only_layers and
 *                    decoder_sparse_step)
 */
public record MixtureOfExperts(int experts, int topK, boolean normalizeTopK, int width, int sharedWidth,
                               Set<Integer> denseLayers) {

    public MixtureOfExperts {
        denseLayers = Set.copyOf(denseLayers);
        if (experts < 1 || topK < 1 || topK > experts || width < 1 || sharedWidth < 0) {
            throw new IllegalArgumentException("invalid Mixture-of-Experts: " + experts + " experts, top " + topK
                    + ", width " + width + ", shared width " + sharedWidth);
        }
    }

    /** Whether layer {@code layer} routes through experts. */
    public boolean isSparse(int layer) {
        return !denseLayers.contains(layer);
    }
}
