package rdu.model;

import java.util.ArrayList;
import java.util.List;
import rdu.tensor.Tensor;

/**
 * A feed-forward block's projections: gated, down(f(gate x) * up x), or plain, down(f(up x)).
 *
 * @param gate null in a plain block
 */
public record Mlp(Affine gate, Affine up, Affine down) {

    /** A gated block without biases (Llama's SwiGLU). */
    public static Mlp gated(Tensor gate, Tensor up, Tensor down) {
        return new Mlp(Affine.of(gate), Affine.of(up), Affine.of(down));
    }

    /** Every tensor: gate's (if gated), up's, down's. */
    public List<Tensor> tensors() {
        List<Tensor> tensors = new ArrayList<>();
        for (Affine a : new Affine[] {gate, up, down}) {
            if (a != null) {
                tensors.addAll(a.tensors());
            }
        }
        return tensors;
    }
}
