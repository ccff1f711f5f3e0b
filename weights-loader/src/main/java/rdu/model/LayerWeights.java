package rdu.model;

import java.util.ArrayList;
import java.util.List;
import rdu.tensor.Tensor;

/**
 * One decoder layer's tensors, with Hugging Face shapes: projections are [out, in]. In llama2.c names, gate = w1,
 * up = w3, down = w2.
 *
 * @param postAttentionNorm the norm of the attention output before its residual add (Gemma 2), else null
 * @param ffnNorm           the feed-forward block's norm; null in a parallel block (Phi), which reads the
 *                          attention norm's output
 * @param mlp               the feed-forward block; in a Mixture-of-Experts layer of a timing-only model its shared
 *                          expert (null when it has none), and null in a checkpoint's, whose experts are in moe
 * @param moe               a checkpoint's Mixture-of-Experts layer (Mixtral, Qwen2-MoE); null in a dense layer
 * @param postFfnNorm       the norm of the feed-forward output before its residual add (Gemma 2), else null
 */
public record LayerWeights(Affine attentionNorm, Affine q, Affine k, Affine v, Affine o, Affine postAttentionNorm,
                           Affine ffnNorm, Mlp mlp, MoeWeights moe, Affine postFfnNorm) {

    /** A Llama layer: RMSNorm weights, projections without biases. */
    public static LayerWeights llama(Tensor attentionNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo, Tensor ffnNorm,
                                     Mlp mlp) {
        return new LayerWeights(Affine.of(attentionNorm), Affine.of(wq), Affine.of(wk), Affine.of(wv), Affine.of(wo),
                null, Affine.of(ffnNorm), mlp, null, null);
    }

    /** Every tensor of the layer once, in checkpoint order. */
    public List<Tensor> tensors() {
        List<Tensor> tensors = new ArrayList<>();
        for (Affine a : new Affine[] {attentionNorm, q, k, v, o, postAttentionNorm, ffnNorm}) {
            if (a != null) {
                tensors.addAll(a.tensors());
            }
        }
        if (mlp != null) {
            tensors.addAll(mlp.tensors());
        }
        if (moe != null) {
            tensors.addAll(moe.tensors());
        }
        if (postFfnNorm != null) {
            tensors.addAll(postFfnNorm.tensors());
        }
        return tensors;
    }
}
