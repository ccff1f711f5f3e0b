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
        WeightBuffers weights = weightBuffers(call, costs, chip);
        int[] pcus = sharePcus(costs, chip.pcus());
        List<OperatorAllocation> operators = new ArrayList<>();
        for (int i = 0; i < body.size(); i++) {
            Cost c = costs.get(i);
            operators.add(new OperatorAllocation(body.get(i), pcus[i], pmus(c, tile, weights), stageBuffer(c),
                    weights.bytes(c, tile), weights.copies(), weights.whole()));
        }
        return new KernelAllocation(call, operators);
    }

    /** Two whole weights per operator if the PMUs hold them, else two tiles, else one: the first that fits. */
    private static WeightBuffers weightBuffers(KernelCall call, List<Cost> costs, Chip chip) {
        long tile = chip.pmuBytes();
        List<WeightBuffers> choices = List.of(new WeightBuffers(true, 2), new WeightBuffers(false, 2),
                new WeightBuffers(false, 1));
        for (WeightBuffers choice : choices) {
            if (totalPmus(costs, tile, choice) <= chip.pmus()) {
                return choice;
            }
        }
        throw new AllocationException("kernel " + call.name() + " does not fit: needs "
                + totalPmus(costs, tile, choices.getLast()) + " PMUs even with single-buffered weight tiles, chip "
                + chip.name() + " has " + chip.pmus());
    }

    private static long stageBuffer(Cost c) {
        return 2 * c.activationBytes();
    }

    /** Weight buffers per operator: {@code copies} buffers, each of the whole weight or of one PMU tile. */
    private record WeightBuffers(boolean whole, int copies) {

        /** 0 for an operator without weights. */
        long bytes(Cost c, long tile) {
            return copies * (whole ? c.weightBytes() : Math.min(c.weightBytes(), tile));
        }
    }

    private static int pmus(Cost c, long tile, WeightBuffers weights) {
        long bytes = stageBuffer(c) + weights.bytes(c, tile);
        return (int) Math.max(1, Math.ceilDiv(bytes, tile));
    }

    private static long totalPmus(List<Cost> costs, long tile, WeightBuffers weights) {
        long total = 0;
        for (Cost c : costs) {
            total += pmus(c, tile, weights);
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
