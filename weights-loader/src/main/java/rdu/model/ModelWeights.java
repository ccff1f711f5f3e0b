package rdu.model;

import java.util.ArrayList;
import java.util.List;
import rdu.rope.RopeLayout;
import rdu.tensor.Tensor;

/**
 * All tensors of a decoder checkpoint, as views on the mapped files (no copies, but GPT-2's transposed Conv1D
 * weights).
 *
 * @param positionEmbedding the learned [max_positions, hidden] table (GPT-2); null with rotary positions
 * @param classifier        the output projection [vocab, hidden]; its weight the same tensor as embedding when tied
 * @param ropeLayout        how wq/wk rows are ordered within a head (HF: HALF, llama2.c: INTERLEAVED)
 */
public record ModelWeights(
        Tensor embedding,
        Tensor positionEmbedding,
        List<LayerWeights> layers,
        Affine finalNorm,
        Affine classifier,
        RopeLayout ropeLayout) {

    public ModelWeights {
        layers = List.copyOf(layers);
    }

    /** These weights with only the layers given, the same embeddings, final norm and classifier. */
    public ModelWeights withLayers(List<LayerWeights> layers) {
        return new ModelWeights(embedding, positionEmbedding, layers, finalNorm, classifier, ropeLayout);
    }

    /** Every distinct tensor once (a tied classifier is not listed twice), in checkpoint order. */
    public List<Tensor> all() {
        var list = new ArrayList<Tensor>();
        list.add(embedding);
        if (positionEmbedding != null) {
            list.add(positionEmbedding);
        }
        for (LayerWeights l : layers) {
            list.addAll(l.tensors());
        }
        list.addAll(finalNorm.tensors());
        for (Tensor t : classifier.tensors()) {
            if (t != embedding) {
                list.add(t);
            }
        }
        return list;
    }
}
