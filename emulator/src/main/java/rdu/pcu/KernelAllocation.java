package rdu.pcu;

import java.util.List;
import rdu.schedule.KernelCall;

/** The PCUs and PMUs of a kernel call, operator by operator, in dataflow order. */
public record KernelAllocation(KernelCall call, List<OperatorAllocation> operators) {

    public KernelAllocation {
        operators = List.copyOf(operators);
    }

    public int pcus() {
        int total = 0;
        for (OperatorAllocation op : operators) {
            total += op.pcus();
        }
        return total;
    }

    public int pmus() {
        int total = 0;
        for (OperatorAllocation op : operators) {
            total += op.pmus();
        }
        return total;
    }
}
