package rdu.pcu;

import rdu.graph.Node;

/**
 * The fabric one operator of a kernel occupies (see {@link Allocator} for the rules).
 *
 * @param stageBufferBytes  on-chip bytes for the activations it produces, double-buffered
 * @param weightBufferBytes on-chip bytes for the weight tiles it streams from off-chip memory
 * @param weightCopies      how many weight buffers it has: 2 (one fills while the other is used) or 1
 * @param wholeWeights      whether each weight buffer holds the whole weight, or one streaming tile of it
 */
public record OperatorAllocation(Node node, int pcus, int pmus, long stageBufferBytes, long weightBufferBytes,
                                 int weightCopies, boolean wholeWeights) {
}
