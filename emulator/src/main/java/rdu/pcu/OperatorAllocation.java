package rdu.pcu;

import rdu.graph.Node;

/**
 * The fabric one operator of a kernel occupies (see {@link Allocator} for the rules).
 *
 * @param stageBufferBytes  on-chip bytes for the activations it produces, double-buffered
 * @param weightBufferBytes on-chip bytes for the weight tiles it streams from off-chip memory
 */
public record OperatorAllocation(Node node, int pcus, int pmus, long stageBufferBytes, long weightBufferBytes) {
}
