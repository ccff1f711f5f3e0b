package rdu.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import rdu.attention.Scores;
import rdu.family.Family;
import rdu.family.MixtureOfExperts;
import rdu.model.Affine;
import rdu.model.LayerWeights;
import rdu.model.Mlp;
import rdu.model.ModelConfig;
import rdu.model.ModelWeights;
import rdu.model.MoeWeights;
import rdu.moe.ExpertRouting;
import rdu.tensor.Tensor;

/**
 * The operator graph of one decode step, in execution order, as the model's {@link Family} says. For Llama it
 * follows llama2.c's forward(): per layer, attention block then SwiGLU MLP block, each with a pre-RMSNorm and a
 * residual add; then the final norm, the classifier and sampling. Other families choose their norms, activation,
 * biases, attention scores and positions, and where norms sit. Mixture-of-Experts layers route their MLP block
 * through experts instead, and Multi-head Latent Attention layers replace q, k, v and the attention.
 */
public record DecodeGraph(ModelConfig config, List<Node> nodes) {

    public DecodeGraph {
        nodes = List.copyOf(nodes);
    }

    public static DecodeGraph build(ModelConfig config, ModelWeights weights) {
        return build(config, weights, 1, Map.of(), Map.of());
    }

    /**
     * The graph one socket runs when a model is split over {@code sockets} sockets by tensor parallelism:
     * {@code config} and {@code weights} describe that socket's shard (see {@link TensorParallel}), and the
     * partial sums of the attention and MLP outputs are all-reduced before the residual adds; the biases of o and
     * down, whole on every socket, are added after their all-reduce. The layers of {@code moe} (layer number to its
     * routed experts, in a timing-only model) run a Mixture-of-Experts MLP: the router, then the experts into XB2,
     * then the shared expert if the layer has one (its gate, up and down in {@code weights}; null when it has none),
     * added into XB2; a checkpoint's Mixture-of-Experts layers (their LayerWeights' moe) run the same router and
     * experts on their tensors. The layers of {@code latent} (layer number to its tensors) run Multi-head Latent
     * Attention instead of grouped-query attention.
     */
    public static DecodeGraph build(ModelConfig config, ModelWeights weights, int sockets,
                                    Map<Integer, RoutedExperts> moe, Map<Integer, LatentAttention> latent) {
        Family family = config.family();
        List<Node> nodes = new ArrayList<>();
        nodes.add(new Node(new Op.Embed(weights.embedding(), family.embeddingScale()), Part.EMBEDDING,
                Node.NO_LAYER));
        if (weights.positionEmbedding() != null) {
            nodes.add(new Node(new Op.PositionEmbed(weights.positionEmbedding()), Part.EMBEDDING, Node.NO_LAYER));
        }
        for (int l = 0; l < weights.layers().size(); l++) {
            LayerWeights w = weights.layers().get(l);
            List<Op> ops = new ArrayList<>();
            ops.add(norm(config, Activation.X, w.attentionNorm(), Activation.XB));
            LatentAttention mla = latent.get(l);
            ops.addAll(mla == null ? attention(config, w, l) : latentAttention(mla, config.rmsNormEps(), l));
            ops.add(new Op.MatVec(w.o().weight(), Activation.ATTN, Activation.XB2));
            ops.add(new Op.AllReduce(Activation.XB2, sockets));
            addBias(ops, w.o(), Activation.XB2);
            if (w.postAttentionNorm() != null) {
                ops.add(norm(config, Activation.XB2, w.postAttentionNorm(), Activation.XB2));
            }
            ops.add(new Op.Residual(Activation.X, Activation.XB2));
            // a parallel block (no norm of its own) runs the MLP on XB, the attention norm's output, still there
            if (w.ffnNorm() != null) {
                ops.add(norm(config, Activation.X, w.ffnNorm(), Activation.XB));
            }
            RoutedExperts experts = moe.get(l);
            if (experts != null) {
                ops.addAll(moeMlp(family, w, experts));
            } else if (w.moe() != null) {
                ops.addAll(sparseMlp(family.moe(), w.moe(), l));
            } else {
                ops.addAll(mlp(family, w.mlp(), Activation.XB2));
            }
            ops.add(new Op.AllReduce(Activation.XB2, sockets));
            if (w.mlp() != null && experts == null) {
                addBias(ops, w.mlp().down(), Activation.XB2);
            }
            if (w.postFfnNorm() != null) {
                ops.add(norm(config, Activation.XB2, w.postFfnNorm(), Activation.XB2));
            }
            ops.add(new Op.Residual(Activation.X, Activation.XB2));
            for (Op op : ops) {
                if (!(op instanceof Op.AllReduce) || sockets > 1) {
                    nodes.add(new Node(op, Part.DECODER, l));
                }
            }
        }
        List<Op> classifier = new ArrayList<>();
        classifier.add(norm(config, Activation.X, weights.finalNorm(), Activation.XB));
        classifier.add(new Op.MatVec(weights.classifier().weight(), Activation.XB, Activation.LOGITS));
        addBias(classifier, weights.classifier(), Activation.LOGITS);
        if (family.finalSoftCap() > 0) {
            classifier.add(new Op.SoftCap(Activation.LOGITS, family.finalSoftCap()));
        }
        if (sockets > 1) {
            classifier.add(new Op.AllGather(Activation.LOGITS, sockets));
        }
        for (Op op : classifier) {
            nodes.add(new Node(op, Part.CLASSIFIER, Node.NO_LAYER));
        }
        nodes.add(new Node(new Op.Sample(), Part.SAMPLING, Node.NO_LAYER));
        return new DecodeGraph(config, nodes);
    }

    /** This graph with its experts routed as {@code routing} says (built, they are routed uniformly). */
    public DecodeGraph withExpertRouting(ExpertRouting routing) {
        List<Node> routed = new ArrayList<>();
        for (Node node : nodes) {
            routed.add(node.op() instanceof Op.Experts x
                    ? new Node(new Op.Experts(x.stacked(), x.weights(), x.experts(), x.topK(), routing), node.part(),
                            node.layer())
                    : node);
        }
        return new DecodeGraph(config, routed);
    }

    /** The family's norm of {@code in} into {@code out}. */
    private static Op norm(ModelConfig config, Activation in, Affine norm, Activation out) {
        float eps = config.rmsNormEps();
        return switch (config.family().norm()) {
            case RMS -> new Op.RmsNorm(in, norm.weight(), eps, false, out);
            case RMS_ONE_PLUS -> new Op.RmsNorm(in, norm.weight(), eps, true, out);
            case LAYER -> new Op.LayerNorm(in, norm.weight(), norm.bias(), eps, out);
        };
    }

    /** {@code out} = the projection of {@code in}, and its bias if it has one. */
    private static void project(List<Op> ops, Affine projection, Activation in, Activation out) {
        ops.add(new Op.MatVec(projection.weight(), in, out));
        addBias(ops, projection, out);
    }

    private static void addBias(List<Op> ops, Affine projection, Activation target) {
        if (projection.bias() != null) {
            ops.add(new Op.BiasAdd(target, projection.bias()));
        }
    }

    /** Grouped-query attention of XB into ATTN, with RoPE on q and k unless positions are learned. */
    private static List<Op> attention(ModelConfig config, LayerWeights w, int layer) {
        Family family = config.family();
        List<Op> ops = new ArrayList<>();
        project(ops, w.q(), Activation.XB, Activation.Q);
        project(ops, w.k(), Activation.XB, Activation.K);
        project(ops, w.v(), Activation.XB, Activation.V);
        if (family.positions() == Family.Positions.ROTARY) {
            int dims = family.rotaryDims(config.headDim());
            ops.add(new Op.Rope(Activation.Q, config.numHeads(), dims));
            ops.add(new Op.Rope(Activation.K, config.numKvHeads(), dims));
        }
        ops.add(new Op.KvWrite(layer, 2 * config.kvDim()));
        ops.add(new Op.Attention(layer, family.scores(layer, config.headDim())));
        return ops;
    }

    /**
     * Multi-head Latent Attention of XB into ATTN (see {@link rdu.mla.MlaConfig}). The q and KV latents go through
     * XB2, free until o writes it and wider than either; Q is heads * (nope + rope) wide, the model's qDim.
     */
    private static List<Op> latentAttention(LatentAttention a, float eps, int layer) {
        int rope = a.mla().qkRopeHeadDim();
        var latent = new Op.Attention.Latent(a.kvB(), a.mla());
        return List.of(
                new Op.MatVec(a.qA(), Activation.XB, Activation.XB2),
                new Op.RmsNorm(Activation.XB2, a.qNorm(), eps, false, Activation.XB2),
                new Op.MatVec(a.qB(), Activation.XB2, Activation.Q),
                new Op.MatVec(a.kvA(), Activation.XB, Activation.XB2),
                new Op.RmsNorm(Activation.XB2, a.kvNorm(), eps, false, Activation.XB2),
                new Op.Rope(Activation.Q, latent.heads(), rope),
                new Op.Rope(Activation.XB2, 1, rope),
                new Op.KvWrite(layer, a.mla().latentWidth()),
                new Op.Attention(layer, Scores.standard(a.mla().qkHeadDim()), latent));
    }

    /**
     * The feed-forward block of XB, written to {@code out}, but for down's bias (added after the all-reduce): gated,
     * down(f(gate) * up), or plain, down(f(up)).
     */
    private static List<Op> mlp(Family family, Mlp m, Activation out) {
        List<Op> ops = new ArrayList<>();
        if (m.gate() != null) {
            project(ops, m.gate(), Activation.XB, Activation.HB);
            project(ops, m.up(), Activation.XB, Activation.HB2);
            ops.add(new Op.Glu(Activation.HB, Activation.HB2, family.activation()));
        } else {
            project(ops, m.up(), Activation.XB, Activation.HB);
            ops.add(new Op.Activate(Activation.HB, family.activation()));
        }
        ops.add(new Op.MatVec(m.down().weight(), Activation.HB, out));
        return ops;
    }

    /**
     * A checkpoint's Mixture-of-Experts block (Mixtral, Qwen2-MoE): the router, the chosen experts into XB2, then the
     * shared expert behind its gate, added into XB2. The experts' bytes stream as one stacked block of this socket's
     * expert width, as in a timing-only run.
     */
    private static List<Op> sparseMlp(MixtureOfExperts moe, MoeWeights w, int layer) {
        Tensor gate = w.experts().getFirst().gate().weight();
        Tensor stacked = Tensor.describe("model.layers." + layer + ".experts", gate.dtype(), w.experts().size(),
                3 * gate.dim(0), gate.dim(1));
        List<Op> ops = new ArrayList<>(List.of(new Op.Router(w.router(), moe.topK(), moe.normalizeTopK()),
                new Op.Experts(stacked, w.experts(), moe.experts(), moe.topK(), ExpertRouting.UNIFORM)));
        if (w.shared() != null) {
            ops.add(new Op.SharedExpert(w.shared(), w.sharedGate()));
        }
        return ops;
    }

    /**
     * Router, then the routed experts into XB2; then the shared expert. One behind a sigmoid gate (Qwen2-MoE) is one
     * operator adding into XB2, as on a checkpoint's weights; an ungated one's down projection writes XB (free once
     * its gate and up have read it) so that a residual add can sum it into XB2. The ungated shared expert's SwiGlu is
     * costed at the dense MLP's width, HB's size (Llama 4: twice the shared expert's), a few element-wise operations.
     */
    private static List<Op> moeMlp(Family family, LayerWeights w, RoutedExperts experts) {
        List<Op> ops = new ArrayList<>(List.of(new Op.Router(experts.router(), experts.topK(), false),
                new Op.Experts(experts.experts(), List.of(), experts.count(), experts.topK(), ExpertRouting.UNIFORM)));
        if (experts.sharedGate() != null) {
            ops.add(new Op.SharedExpert(w.mlp(), experts.sharedGate()));
        } else if (w.mlp() != null) {
            ops.addAll(mlp(family, w.mlp(), Activation.XB));
            ops.add(new Op.Residual(Activation.XB2, Activation.XB));
        }
        return ops;
    }
}
