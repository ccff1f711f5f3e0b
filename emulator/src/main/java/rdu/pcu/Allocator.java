package rdu.pcu;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import rdu.chip.Chip;
import rdu.cost.Cost;
import rdu.graph.Node;
import rdu.schedule.KernelCall;

/**
 * Maps the operators of a kernel call onto the chip's PCUs and PMUs. A looped call maps one layer body (its first
 * iteration) onto the fabric and reuses it every iteration. Rules, with TILE = one PMU's capacity:
 * <ul>
 * <li>stage buffer = 2 x the activation bytes the operator produces: the next operator reads one copy while this
 *     one writes the other;
 * <li>weight buffer = 2 x the operator's whole weight slice, if every operator's fits: a looped kernel holds this
 *     layer's weights until the last sample of the batch has used them (samples need not move in lockstep) while
 *     the next layer's stream in;
 * <li>else 2 x min(weight bytes, TILE): streaming tiles, one filling from memory while one is consumed;
 * <li>else min(weight bytes, TILE), single-buffered; if even that exceeds the chip's PMUs, the kernel does not fit
 *     and allocation fails;
 * <li>PMUs = ceil((stage buffer + weight buffer) / TILE), at least 1;
 * <li>PCUs = 1 per operator, plus the spare PCUs shared in proportion to lane operations, rounded by largest
 *     remainder (ties to the earlier operator), so the total is at most the chip's PCUs.
 * </ul>
 */
public final class Allocator {

    private Allocator() {
    }

    /**
     * @param costs the costs of the nodes of {@code call}'s first iteration, in the same order
     * @throws AllocationException if the kernel needs more PCUs or PMUs than {@code chip} has
     */
    public static KernelAllocation allocate(KernelCall call, List<Cost> costs, Chip chip) {
        List<Node> body = call.iterations().getFirst();
        if (costs.size() != body.size()) {
            throw new IllegalArgumentException("kernel " + call.name() + ": " + body.size() + " operators but "
                    + costs.size() + " costs");
        }
        if (body.size() > chip.pcus()) {
            throw new AllocationException("kernel " + call.name() + " does not fit: needs " + body.size()
                    + " PCUs (one per operator), chip " + chip.name() + " has " + chip.pcus());
        }
        long tile = chip.pmuBytes();
        long weightTile = Long.MAX_VALUE; // two whole weights first, then two tiles, then one
        int weightCopies = 2;
        if (totalPmus(costs, tile, weightTile, weightCopies) > chip.pmus()) {
            weightTile = tile;
        }
        if (totalPmus(costs, tile, weightTile, weightCopies) > chip.pmus()) {
            weightCopies = 1;
            long needed = totalPmus(costs, tile, weightTile, weightCopies);
            if (needed > chip.pmus()) {
                throw new AllocationException("kernel " + call.name() + " does not fit: needs " + needed
                        + " PMUs even with single-buffered weight tiles, chip " + chip.name() + " has "
                        + chip.pmus());
            }
        }
        int[] pcus = sharePcus(costs, chip.pcus());
        List<OperatorAllocation> operators = new ArrayList<>();
        for (int i = 0; i < body.size(); i++) {
            Cost c = costs.get(i);
            operators.add(new OperatorAllocation(body.get(i), pcus[i], pmus(c, tile, weightTile, weightCopies),
                    stageBuffer(c), weightBuffer(c, weightTile, weightCopies)));
        }
        return new KernelAllocation(call, operators);
    }

    private static long stageBuffer(Cost c) {
        return 2 * c.activationBytes();
    }

    /** {@code copies} buffers of up to {@code weightTile} bytes; 0 for an operator without weights. */
    private static long weightBuffer(Cost c, long weightTile, int copies) {
        return copies * Math.min(c.weightBytes(), weightTile);
    }

    private static int pmus(Cost c, long tile, long weightTile, int weightCopies) {
        long bytes = stageBuffer(c) + weightBuffer(c, weightTile, weightCopies);
        return (int) Math.max(1, Math.ceilDiv(bytes, tile));
    }

    private static long totalPmus(List<Cost> costs, long tile, long weightTile, int weightCopies) {
        long total = 0;
        for (Cost c : costs) {
            total += pmus(c, tile, weightTile, weightCopies);
        }
        return total;
    }

    /**
     * One PCU per operator, the spare ones by share of lane operations. Whole shares first, then one more each to
     * the largest fractional parts; a kernel with no lane work at all leaves the spare PCUs idle.
     */
    private static int[] sharePcus(List<Cost> costs, int available) {
        int n = costs.size();
        int spare = available - n;
        double totalOps = 0;
        for (Cost c : costs) {
            totalOps += c.laneOps();
        }
        int[] pcus = new int[n];
        double[] fractions = new double[n];
        int given = 0;
        for (int i = 0; i < n; i++) {
            double exact = totalOps == 0 ? 0 : spare * (costs.get(i).laneOps() / totalOps);
            int whole = (int) Math.floor(exact);
            pcus[i] = 1 + whole;
            fractions[i] = exact - whole;
            given += whole;
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -fractions[i]).thenComparingInt(i -> i));
        int leftover = totalOps == 0 ? 0 : spare - given;
        for (int k = 0; k < leftover; k++) {
            pcus[order.get(k)]++;
        }
        return pcus;
    }
}
