package rdu.model;

import java.util.List;
import rdu.rope.RopeLayout;
import rdu.tensor.Tensor;

/**
 * All tensors of a Llama-family checkpoint, as views on the mapped files (no copies).
 *
 * @param classifier the output projection [vocab, hidden]; the same tensor as embedding when tied
 * @param ropeLayout how wq/wk rows are ordered within a head (HF: HALF, llama2.c: INTERLEAVED)
 */
public record LlamaWeights(
        Tensor embedding,
        List<LayerWeights> layers,
        Tensor finalNorm,
        Tensor classifier,
        RopeLayout ropeLayout) {

    public LlamaWeights {
        layers = List.copyOf(layers);
    }

    /** Every distinct tensor once (a tied classifier is not listed twice), in checkpoint order. */
    public List<Tensor> all() {
        var list = new java.util.ArrayList<Tensor>();
        list.add(embedding);
        for (LayerWeights l : layers) {
            list.addAll(List.of(l.attentionNorm(), l.wq(), l.wk(), l.wv(), l.wo(), l.ffnNorm(), l.gate(), l.up(),
                    l.down()));
        }
        list.add(finalNorm);
        if (classifier != embedding) {
            list.add(classifier);
        }
        return list;
    }
}
