package rdu.graph;

import rdu.mla.MlaConfig;
import rdu.tensor.Tensor;

/**
 * The Multi-head Latent Attention tensors of one layer as one socket holds them (the layer's attention norm and o are
 * its LayerWeights'): q_a and kv_a and their norms whole, q_b and kv_b this socket's heads. See {@link MlaConfig}.
 */
public record LatentAttention(MlaConfig mla, Tensor qA, Tensor qNorm, Tensor qB, Tensor kvA, Tensor kvNorm,
                              Tensor kvB) {
}
