package rdu.graph;

/** An operator in the graph with where it belongs: its part of the step and, for decoder operators, its layer. */
public record Node(Op op, Part part, int layer) {

    /** Layer number for operators outside the decoder layers. */
    public static final int NO_LAYER = -1;
}
