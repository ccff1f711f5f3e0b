package rdu.schedule;

import java.util.List;
import rdu.graph.Node;

/** One kernel launch of a decode step: the operators fused into it, in dataflow order. */
public record KernelCall(String name, List<Node> nodes) {

    public KernelCall {
        nodes = List.copyOf(nodes);
    }
}
