package rdu.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import rdu.graph.DecodeGraph;
import rdu.graph.Node;

/**
 * The sequence of kernel calls that makes one decode step. Both the functional executor and the timing
 * engine walk this one schedule, so modeled time always belongs to work that really ran.
 */
public record Schedule(List<KernelCall> calls) {

    /** How operators are grouped into kernels. */
    public enum Fusion {
        /** SN40L baseline: a whole decoder layer per kernel, plus embedding, classifier and sampling kernels. */
        LAYER,
        /** One kernel per operator, for comparison with fusion. */
        NONE
    }

    public Schedule {
        calls = List.copyOf(calls);
    }

    /** Groups the graph's operators into kernel calls. */
    public static Schedule compile(DecodeGraph graph, Fusion fusion) {
        List<KernelCall> calls = new ArrayList<>();
        List<Node> current = new ArrayList<>();
        for (Node node : graph.nodes()) {
            boolean sameKernel = fusion == Fusion.LAYER && !current.isEmpty()
                    && current.getFirst().part() == node.part() && current.getFirst().layer() == node.layer();
            if (!current.isEmpty() && !sameKernel) {
                calls.add(new KernelCall(name(current, fusion), current));
                current = new ArrayList<>();
            }
            current.add(node);
        }
        calls.add(new KernelCall(name(current, fusion), current));
        return new Schedule(calls);
    }

    private static String name(List<Node> nodes, Fusion fusion) {
        Node first = nodes.getFirst();
        String part = first.part().name().toLowerCase(Locale.ROOT);
        String base = first.layer() == Node.NO_LAYER ? part : part + "." + first.layer();
        return fusion == Fusion.LAYER ? base : base + "." + first.op().getClass().getSimpleName();
    }
}
