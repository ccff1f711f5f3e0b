package rdu.model;

import java.util.ArrayList;
import java.util.List;
import rdu.tensor.Tensor;

/**
 * One Mixture-of-Experts layer's tensors (see {@link rdu.family.MixtureOfExperts}).
 *
 * @param router     [experts, hidden]
 * @param experts    each expert's gated MLP, no biases
 * @param shared     the shared expert, or null
 * @param sharedGate [1, hidden], the shared expert's sigmoid gate; null without a shared expert
 */
public record MoeWeights(Tensor router, List<Mlp> experts, Mlp shared, Tensor sharedGate) {

    public MoeWeights {
        experts = List.copyOf(experts);
    }

    /** Every tensor: the router, each expert's, the shared expert's and its gate. */
    public List<Tensor> tensors() {
        List<Tensor> tensors = new ArrayList<>(List.of(router));
        experts.forEach(e -> tensors.addAll(e.tensors()));
        if (shared != null) {
            tensors.addAll(shared.tensors());
            tensors.add(sharedGate);
        }
        return tensors;
    }
}
