package rdu.graph;

import rdu.mla.MlaConfig;
import rdu.moe.ExpertRouting;
import rdu.tensor.Tensor;

/**
 * One operator of the decode graph. Weights are referenced as tensors (the compiler places them in emulated memory), activations by buffer name;
 * the current token and position come from the step being executed.
 */
public sealed interface Op {

    /** The weight tensor this operator streams from memory, or null if it has none. */
    default Tensor weightTensor() {
        return switch (this) {
            case Embed e -> e.table();
            case RmsNorm n -> n.weight();
            case MatVec m -> m.weight();
            case Router r -> r.weight();
            case Experts x -> x.stacked();
            case Attention a -> a.latent() == null ? null : a.latent().kvB();
            default -> null;
        };
    }

    /** X = row {@code token} of the embedding table. */
    record Embed(Tensor table) implements Op {
    }

    /** out = RMSNorm(in) * weight. */
    record RmsNorm(Activation in, Tensor weight, float eps, Activation out) implements Op {
    }

    /** out = weight[rows, cols] x in: every projection and the classifier. */
    record MatVec(Tensor weight, Activation in, Activation out) implements Op {
    }

    /**
     * Rotary position embedding of {@code heads} heads of {@code target} at the current position, {@code dims}
     * values of each: the whole head, or MLA's rotary part of it.
     */
    record Rope(Activation target, int heads, int dims) implements Op {
    }

    /**
     * The current position's {@code values} cached values (2 * kvDim: K and V; MLA: its latent) are written into
     * layer {@code layer} of the KV cache.
     */
    record KvWrite(int layer, int values) implements Op {
    }

    /**
     * ATTN = attention of Q over layer {@code layer} of the KV cache, positions 0..current: grouped-query attention,
     * or Multi-head Latent Attention over the latent cache when {@code latent} is set. One operator for both, as the
     * timing engine costs attention anew at every position.
     */
    record Attention(int layer, Latent latent) implements Op {

        /** Grouped-query attention. */
        public Attention(int layer) {
            this(layer, null);
        }

        /**
         * MLA with absorbed up-projections ({@link MlaConfig}); {@code kvB} is this socket's
         * [heads * (nope + vHead), kvLoraRank] W_UK and W_UV, streamed once per step.
         */
        public record Latent(Tensor kvB, MlaConfig mla) {

            /** This socket's query heads. */
            public int heads() {
                return (int) (kvB.dim(0) / (mla.qkNopeHeadDim() + mla.vHeadDim()));
            }
        }
    }

    /** gate = silu(gate) * up. */
    record SwiGlu(Activation gate, Activation up) implements Op {
    }

    /**
     * Mixture-of-Experts routing: scores of XB against each of {@code weight}'s [experts, hidden] rows, softmax, and
     * each sample's top {@code topK} experts with their weights.
     */
    record Router(Tensor weight, int topK) implements Op {
    }

    /**
     * XB2 = the sum of the SwiGLU MLPs of XB by the experts the router chose, weighted by their router scores.
     * {@code stacked} is [held, 3 * inter, hidden]: the gate, up and (transposed) down matrices of the experts this
     * socket holds, out of the {@code experts} the router picks {@code topK} from. Only the experts the batch routes
     * to stream from memory; how many, the timing model takes from {@code routing} (the run's
     * {@link rdu.schedule.ScheduleOptions#expertRouting}, set when the schedule is compiled).
     */
    record Experts(Tensor stacked, int experts, int topK, ExpertRouting routing) implements Op {

        /** One held expert's MLP width on this socket. */
        public long inter() {
            return stacked.dim(1) / 3;
        }
    }

    /** into += add. */
    record Residual(Activation into, Activation add) implements Op {
    }

    /**
     * Tensor parallelism: every socket holds a partial sum of {@code buffer}; afterwards each holds the total.
     * Streamed over P2P links into the peers' PMUs, pipelined with the operator that produces it.
     */
    record AllReduce(Activation buffer, int sockets) implements Op {
    }

    /** Tensor parallelism: every socket holds a block of {@code buffer} (its vocabulary rows); all get all of it. */
    record AllGather(Activation buffer, int sockets) implements Op {
    }

    /** The next token from LOGITS (argmax, or the configured sampler). */
    record Sample() implements Op {
    }
}
