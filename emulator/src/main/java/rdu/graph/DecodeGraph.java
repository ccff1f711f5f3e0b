package rdu.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import rdu.model.LayerWeights;
import rdu.model.LlamaWeights;
import rdu.model.ModelConfig;
import rdu.moe.ExpertRouting;

/**
 * The operator graph of one decode step of a Llama-family model, in execution order. It follows llama2.c's forward(): per layer, attention block then SwiGLU MLP block,
 * each with a pre-RMSNorm and a residual add; then the final norm, the classifier and sampling. Mixture-of-Experts
 * layers route their MLP block through experts instead, and Multi-head Latent Attention layers replace q, k, v and
 * the attention.
 */
public record DecodeGraph(ModelConfig config, List<Node> nodes) {

    public DecodeGraph {
        nodes = List.copyOf(nodes);
    }

    public static DecodeGraph build(ModelConfig config, LlamaWeights weights) {
        return build(config, weights, 1, Map.of(), Map.of());
    }

    /**
     * The graph one socket runs when a model is split over {@code sockets} sockets by tensor parallelism:
     * {@code config} and {@code weights} describe that socket's shard (see {@link TensorParallel}), and the
     * partial sums of the attention and MLP outputs are all-reduced before the residual adds. The layers of
     * {@code moe} (layer number to its routed experts) run a Mixture-of-Experts MLP: the router, then the experts
     * into XB2, then the shared expert if the layer has one (its gate, up and down in {@code weights}; null when it
     * has none), added into XB2. The layers of {@code latent} (layer number to its tensors) run Multi-head Latent
     * Attention instead of grouped-query attention.
     */
    public static DecodeGraph build(ModelConfig config, LlamaWeights weights, int sockets,
                                    Map<Integer, RoutedExperts> moe, Map<Integer, LatentAttention> latent) {
        List<Node> nodes = new ArrayList<>();
        nodes.add(new Node(new Op.Embed(weights.embedding()), Part.EMBEDDING, Node.NO_LAYER));
        float eps = config.rmsNormEps();
        for (int l = 0; l < weights.layers().size(); l++) {
            LayerWeights w = weights.layers().get(l);
            List<Op> ops = new ArrayList<>();
            ops.add(new Op.RmsNorm(Activation.X, w.attentionNorm(), eps, Activation.XB));
            LatentAttention mla = latent.get(l);
            ops.addAll(mla == null ? attention(config, w, l) : latentAttention(mla, eps, l));
            ops.addAll(List.of(
                    new Op.MatVec(w.wo(), Activation.ATTN, Activation.XB2),
                    new Op.AllReduce(Activation.XB2, sockets),
                    new Op.Residual(Activation.X, Activation.XB2),
                    new Op.RmsNorm(Activation.X, w.ffnNorm(), eps, Activation.XB)));
            RoutedExperts experts = moe.get(l);
            ops.addAll(experts == null ? mlp(w, Activation.XB2) : moeMlp(w, experts));
            ops.add(new Op.AllReduce(Activation.XB2, sockets));
            ops.add(new Op.Residual(Activation.X, Activation.XB2));
            for (Op op : ops) {
                if (!(op instanceof Op.AllReduce) || sockets > 1) {
                    nodes.add(new Node(op, Part.DECODER, l));
                }
            }
        }
        nodes.add(new Node(new Op.RmsNorm(Activation.X, weights.finalNorm(), eps, Activation.XB),
                Part.CLASSIFIER, Node.NO_LAYER));
        nodes.add(new Node(new Op.MatVec(weights.classifier(), Activation.XB, Activation.LOGITS),
                Part.CLASSIFIER, Node.NO_LAYER));
        if (sockets > 1) {
            nodes.add(new Node(new Op.AllGather(Activation.LOGITS, sockets), Part.CLASSIFIER, Node.NO_LAYER));
        }
        nodes.add(new Node(new Op.Sample(), Part.SAMPLING, Node.NO_LAYER));
        return new DecodeGraph(config, nodes);
    }

    /** This graph with its experts routed as {@code routing} says (built, they are routed uniformly). */
    public DecodeGraph withExpertRouting(ExpertRouting routing) {
        List<Node> routed = new ArrayList<>();
        for (Node node : nodes) {
            routed.add(node.op() instanceof Op.Experts x
                    ? new Node(new Op.Experts(x.stacked(), x.experts(), x.topK(), routing), node.part(), node.layer())
                    : node);
        }
        return new DecodeGraph(config, routed);
    }

    /** Grouped-query attention of XB into ATTN. */
    private static List<Op> attention(ModelConfig config, LayerWeights w, int layer) {
        return List.of(
                new Op.MatVec(w.wq(), Activation.XB, Activation.Q),
                new Op.MatVec(w.wk(), Activation.XB, Activation.K),
                new Op.MatVec(w.wv(), Activation.XB, Activation.V),
                new Op.Rope(Activation.Q, config.numHeads(), config.headDim()),
                new Op.Rope(Activation.K, config.numKvHeads(), config.headDim()),
                new Op.KvWrite(layer, 2 * config.kvDim()),
                new Op.Attention(layer));
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
                new Op.RmsNorm(Activation.XB2, a.qNorm(), eps, Activation.XB2),
                new Op.MatVec(a.qB(), Activation.XB2, Activation.Q),
                new Op.MatVec(a.kvA(), Activation.XB, Activation.XB2),
                new Op.RmsNorm(Activation.XB2, a.kvNorm(), eps, Activation.XB2),
                new Op.Rope(Activation.Q, latent.heads(), rope),
                new Op.Rope(Activation.XB2, 1, rope),
                new Op.KvWrite(layer, a.mla().latentWidth()),
                new Op.Attention(layer, latent));
    }

    /** The SwiGLU MLP of XB, written to {@code out}. */
    private static List<Op> mlp(LayerWeights w, Activation out) {
        return List.of(
                new Op.MatVec(w.gate(), Activation.XB, Activation.HB),
                new Op.MatVec(w.up(), Activation.XB, Activation.HB2),
                new Op.SwiGlu(Activation.HB, Activation.HB2),
                new Op.MatVec(w.down(), Activation.HB, out));
    }

    /**
     * Router, then the routed experts into XB2; then the shared expert, whose down projection writes XB (free once
     * its gate and up have read it) so that a residual add can sum it into XB2. The shared expert's SwiGlu is costed
     * at the dense MLP's width, HB's size (Llama 4: twice the shared expert's), a few element-wise operations.
     */
    private static List<Op> moeMlp(LayerWeights w, RoutedExperts experts) {
        List<Op> ops = new ArrayList<>(List.of(new Op.Router(experts.router(), experts.topK()),
                new Op.Experts(experts.experts(), experts.count(), experts.topK(), ExpertRouting.UNIFORM)));
        if (w.gate() != null) {
            ops.addAll(mlp(w, Activation.XB));
            ops.add(new Op.Residual(Activation.XB2, Activation.XB));
        }
        return ops;
    }
}
