package rdu.graph;

import java.util.ArrayList;
import java.util.List;
import rdu.model.LayerWeights;
import rdu.model.LlamaWeights;
import rdu.model.ModelConfig;

/**
 * The operator graph of one decode step of a Llama-family model, in execution order. It follows llama2.c's forward(): per layer, attention block then SwiGLU MLP block,
 * each with a pre-RMSNorm and a residual add; then the final norm, the classifier and sampling.
 */
public record DecodeGraph(ModelConfig config, List<Node> nodes) {

    public DecodeGraph {
        nodes = List.copyOf(nodes);
    }

    public static DecodeGraph build(ModelConfig config, LlamaWeights weights) {
        return build(config, weights, 1);
    }

    /**
     * The graph one socket runs when a model is split over {@code sockets} sockets by tensor parallelism:
     * {@code config} and {@code weights} describe that socket's shard (see {@link TensorParallel}), and the
     * partial sums of the attention and MLP outputs are all-reduced before the residual adds.
     */
    public static DecodeGraph build(ModelConfig config, LlamaWeights weights, int sockets) {
        List<Node> nodes = new ArrayList<>();
        nodes.add(new Node(new Op.Embed(weights.embedding()), Part.EMBEDDING, Node.NO_LAYER));
        float eps = config.rmsNormEps();
        for (int l = 0; l < weights.layers().size(); l++) {
            LayerWeights w = weights.layers().get(l);
            List<Op> ops = List.of(
                    new Op.RmsNorm(Activation.X, w.attentionNorm(), eps, Activation.XB),
                    new Op.MatVec(w.wq(), Activation.XB, Activation.Q),
                    new Op.MatVec(w.wk(), Activation.XB, Activation.K),
                    new Op.MatVec(w.wv(), Activation.XB, Activation.V),
                    new Op.Rope(Activation.Q, config.numHeads()),
                    new Op.Rope(Activation.K, config.numKvHeads()),
                    new Op.KvWrite(l),
                    new Op.Attention(l),
                    new Op.MatVec(w.wo(), Activation.ATTN, Activation.XB2),
                    new Op.AllReduce(Activation.XB2, sockets),
                    new Op.Residual(Activation.X, Activation.XB2),
                    new Op.RmsNorm(Activation.X, w.ffnNorm(), eps, Activation.XB),
                    new Op.MatVec(w.gate(), Activation.XB, Activation.HB),
                    new Op.MatVec(w.up(), Activation.XB, Activation.HB2),
                    new Op.SwiGlu(Activation.HB, Activation.HB2),
                    new Op.MatVec(w.down(), Activation.HB, Activation.XB2),
                    new Op.AllReduce(Activation.XB2, sockets),
                    new Op.Residual(Activation.X, Activation.XB2));
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
}
