package rdu.schedule;

import java.util.List;
import rdu.graph.Node;
import rdu.graph.Part;

/**
 * One kernel launch of a decode step: the operators fused into it, in dataflow order. A looped kernel
 * (KernelLooping) runs its body once per iteration, one iteration per decoder layer (or per repeating group of
 * layers, such as a dense and an MoE layer), each with its layers' weights; any other kernel has one iteration.
 */
public record KernelCall(String name, Part part, List<List<Node>> iterations) {

    public KernelCall {
        iterations = iterations.stream().map(List::copyOf).toList();
    }

    public static KernelCall single(String name, List<Node> nodes) {
        return new KernelCall(name, nodes.getFirst().part(), List.of(nodes));
    }


    /** Every operator execution of the call, iterations in order. */
    public List<Node> nodes() {
        return iterations.stream().flatMap(List::stream).toList();
    }
}
