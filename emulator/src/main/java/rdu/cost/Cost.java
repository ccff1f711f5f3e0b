package rdu.cost;

/**
 * The work one operator does in one decode step, as a function of its shapes and dtypes (see {@link CostModel}).
 * Bytes are split by what they are, not where they live: the schedule knows which memory tier holds each operand.
 *
 * @param flops             multiply and add operations (a fused multiply-add counts 2)
 * @param weightBytes       weight bytes streamed from off-chip memory (once per call, shared by the batch)
 * @param kvReadBytes       KV-cache bytes read from off-chip memory
 * @param kvWriteBytes      KV-cache bytes written to off-chip memory
 * @param p2pBytes          bytes this socket sends to its peers over P2P links (tensor-parallel collectives)
 * @param activationBytes   activation bytes produced into on-chip (PMU) stage buffers
 * @param elementwiseOps    lane operations that are not FLOPs of a product (compare, scale, add of vectors, copy)
 * @param transcendentalOps exp, rsqrt, sin/cos and the like, executed in the PCU tail stage
 * @param reductionDepth    levels of the cross-lane/cross-PCU reduction tree on the critical path
 * @param pipelineDepth     pipeline stages a value traverses from operator input to output
 */
public record Cost(
        double flops,
        long weightBytes,
        long kvReadBytes,
        long kvWriteBytes,
        long p2pBytes,
        long activationBytes,
        double elementwiseOps,
        double transcendentalOps,
        int reductionDepth,
        int pipelineDepth) {

    /** Off-chip bytes moved: weights plus KV cache reads and writes. */
    public long offChipBytes() {
        return weightBytes + kvReadBytes + kvWriteBytes;
    }

    /** Lane operations of all kinds, as the PCU datapath executes them. */
    public double laneOps() {
        return flops / 2 + elementwiseOps + transcendentalOps;
    }
}
