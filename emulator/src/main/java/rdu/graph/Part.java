package rdu.graph;

/** The parts of a decode step that SN40L runs as separate kernels: embedding -> decoders -> classifier -> sampling. */
public enum Part {
    EMBEDDING,
    DECODER,
    CLASSIFIER,
    SAMPLING
}
