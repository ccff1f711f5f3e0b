package rdu.memory;

/** The off-chip memories of a socket, fastest first: weights and KV cache go to HBM, DDR takes what does not fit. */
public enum Tier {
    HBM,
    DDR
}
