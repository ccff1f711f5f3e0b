package rdu.model;

import rdu.tensor.Tensor;

/**
 * One decoder layer's tensors, with Hugging Face shapes: projections are [out, in].
 * gate = w1, up = w3, down = w2 in llama2.c names.
 */
public record LayerWeights(
        Tensor attentionNorm,
        Tensor wq,
        Tensor wk,
        Tensor wv,
        Tensor wo,
        Tensor ffnNorm,
        Tensor gate,
        Tensor up,
        Tensor down) {
}
