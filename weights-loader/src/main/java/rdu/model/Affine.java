package rdu.model;

import java.util.ArrayList;
import java.util.List;
import rdu.tensor.Tensor;

/**
 * A weight and its bias, the parameters of an affine map: a projection W x + b (W [out, in]) or a norm's scale and
 * shift (LayerNorm: weight [n], bias [n]).
 *
 * @param bias null when the checkpoint has none (Llama's projections, RMSNorm)
 */
public record Affine(Tensor weight, Tensor bias) {

    /** A weight without a bias. */
    public static Affine of(Tensor weight) {
        return new Affine(weight, null);
    }

    /** The weight, then the bias if there is one. */
    public List<Tensor> tensors() {
        List<Tensor> tensors = new ArrayList<>(List.of(weight));
        if (bias != null) {
            tensors.add(bias);
        }
        return tensors;
    }
}
