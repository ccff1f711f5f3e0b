package rdu.graph;

import rdu.tensor.Tensor;

/**
 * The routed experts of one Mixture-of-Experts layer, as one socket holds them: the router's [count, hidden] weight
 * and the held experts stacked (see {@link Op.Experts}).
 *
 * @param count      the experts the router chooses from, on all sockets together
 * @param topK       experts per token
 * @param sharedGate the [1, hidden] sigmoid gate of the layer's shared expert (Qwen2-MoE), null when it has none
 */
public record RoutedExperts(Tensor router, Tensor experts, int count, int topK, Tensor sharedGate) {
}
