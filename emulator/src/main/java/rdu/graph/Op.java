package rdu.graph;

import java.util.ArrayList;
import java.util.List;
import rdu.activation.ActivationFunction;
import rdu.attention.Scores;
import rdu.mla.MlaConfig;
import rdu.model.Mlp;
import rdu.moe.ExpertRouting;
import rdu.tensor.Tensor;

/**
 * One operator of the decode graph. Weights are referenced as tensors (the compiler places them in emulated memory), activations by buffer name;
 * the current token and position come from the step being executed.
 */
public sealed interface Op {

    /** The weight tensors this operator streams from memory, the main one first; none for most element-wise ones. */
    default List<Tensor> weightTensors() {
        return switch (this) {
            case Embed e -> List.of(e.table());
            case PositionEmbed p -> List.of(p.table());
            case RmsNorm n -> List.of(n.weight());
            case LayerNorm n -> List.of(n.weight(), n.bias());
            case MatVec m -> List.of(m.weight());
            case BiasAdd b -> List.of(b.bias());
            case Router r -> List.of(r.weight());
            case Experts x -> x.weights().isEmpty() ? List.of(x.stacked())
                    : x.weights().stream().flatMap(e -> e.tensors().stream()).toList();
            case SharedExpert s -> {
                List<Tensor> tensors = new ArrayList<>(s.weights().tensors());
                tensors.add(s.gate());
                yield tensors;
            }
            case Attention a -> a.latent() == null ? List.of() : List.of(a.latent().kvB());
            default -> List.of();
        };
    }

    /** The operator's name in traces and kernel names: its kind, and what sets it apart from others of its kind. */
    default String kind() {
        return switch (this) {
            case Glu g -> switch (g.function()) {
                case SILU -> "SwiGlu";
                case GELU_TANH, GELU -> "GeGlu";
            };
            case Activate a -> a.function() == ActivationFunction.SILU ? "Silu" : "Gelu";
            case Attention a when a.latent() == null -> (a.scores().window() > 0 ? "Windowed" : "")
                    + (a.scores().softCap() > 0 ? "SoftCapped" : "") + "Attention";
            default -> getClass().getSimpleName();
        };
    }

    /** X = row {@code token} of the embedding table, times {@code scale} (1, or Gemma's sqrt(hidden_size)). */
    record Embed(Tensor table, float scale) implements Op {
    }

    /** X += row {@code position} of a learned position table (GPT-2). */
    record PositionEmbed(Tensor table) implements Op {
    }

    /** out = RMSNorm(in) * weight, or * (1 + weight) with {@code onePlusWeight} (Gemma). */
    record RmsNorm(Activation in, Tensor weight, float eps, boolean onePlusWeight, Activation out) implements Op {
    }

    /** out = LayerNorm(in) * weight + bias. */
    record LayerNorm(Activation in, Tensor weight, Tensor bias, float eps, Activation out) implements Op {
    }

    /** out = weight[rows, cols] x in: every projection and the classifier. */
    record MatVec(Tensor weight, Activation in, Activation out) implements Op {
    }

    /** target += bias: a projection's bias, after its product (after the all-reduce, for a split by columns). */
    record BiasAdd(Activation target, Tensor bias) implements Op {
    }

    /**
     * Rotary position embedding of {@code heads} heads of {@code target} at the current position, {@code dims}
     * values of each: the whole head, its rotary part (partial rotary), or MLA's rotary part of it.
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
     * ATTN = attention of Q over layer {@code layer} of the KV cache, the positions {@code scores} says (all up to the
     * current one, or a sliding window of them, which alone are read), its scores scaled and capped as it says:
     * grouped-query attention, or Multi-head Latent Attention over the latent cache when {@code latent} is set. One
     * operator for both, as the timing engine costs attention anew at every position.
     */
    record Attention(int layer, Scores scores, Latent latent) implements Op {

        /** Grouped-query attention. */
        public Attention(int layer, Scores scores) {
            this(layer, scores, null);
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

    /** gate = f(gate) * up: SwiGLU with SiLU, GeGLU with GELU. */
    record Glu(Activation gate, Activation up, ActivationFunction function) implements Op {
    }

    /** target = f(target): a plain feed-forward block's activation. */
    record Activate(Activation target, ActivationFunction function) implements Op {
    }

    /** target = cap * tanh(target / cap): Gemma 2's soft-capped logits. */
    record SoftCap(Activation target, float cap) implements Op {
    }

    /**
     * Mixture-of-Experts routing: scores of XB against each of {@code weight}'s [experts, hidden] rows, softmax, and
     * each sample's top {@code topK} experts with their probabilities, renormalised to sum to 1 when
     * {@code normalizeTopK}.
     */
    record Router(Tensor weight, int topK, boolean normalizeTopK) implements Op {
    }

    /**
     * XB2 = the sum of the gated MLPs of XB by the experts the router chose, weighted by their router probabilities.
     * {@code stacked} is [held, 3 * inter, hidden]: the gate, up and (transposed) down matrices of the experts this
     * socket holds, out of the {@code experts} the router picks {@code topK} from, as the timing model streams them;
     * {@code weights} are the held experts' tensors in a run on real weights (empty in a timing-only run), of which a
     * pass reads only the experts its rows chose. Only the experts the batch routes to stream from memory: in a run
     * on real weights, those the router chose in the pass ({@link rdu.moe.ChosenExperts}); in a timing-only run, as
     * many as {@code routing} expects (the run's {@link rdu.schedule.ScheduleOptions#expertRouting}, set when the
     * schedule is compiled).
     */
    record Experts(Tensor stacked, List<Mlp> weights, int experts, int topK, ExpertRouting routing) implements Op {

        public Experts {
            weights = List.copyOf(weights);
        }

        /** One held expert's MLP width on this socket. */
        public long inter() {
            return stacked.dim(1) / 3;
        }
    }

    /**
     * XB2 += sigmoid(gate . XB) * the gated MLP of XB by {@code weights}: Qwen2-MoE's shared expert, which every
     * token takes, behind its sigmoid gate ([1, hidden]).
     */
    record SharedExpert(Mlp weights, Tensor gate) implements Op {
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
