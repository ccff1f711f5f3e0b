package rdu.graph;

import java.util.ArrayList;
import java.util.List;
import rdu.hbm.Hbm;
import rdu.model.LayerWeights;
import rdu.model.LlamaWeights;
import rdu.model.ModelConfig;

/**
 * The operator graph of one decode step of a Llama-family model, in execution order, with every weight
 * placed in HBM. It follows llama2.c's forward(): per layer, attention block then SwiGLU MLP block,
 * each with a pre-RMSNorm and a residual add; then the final norm, the classifier and sampling.
 */
public record DecodeGraph(ModelConfig config, List<Node> nodes) {

    public DecodeGraph {
        nodes = List.copyOf(nodes);
    }

    /**
     * Places the weights (and reserves the KV cache) in {@code hbm} and builds the graph over those placements.
     * Fails before placing anything if the model does not fit.
     */
    public static DecodeGraph build(ModelConfig config, LlamaWeights weights, Hbm hbm) {
        long kvCacheBytes = kvCacheBytes(config);
        hbm.requireFits(weights.all(), kvCacheBytes, "model (weights + KV cache)");
        hbm.reserve(kvCacheBytes, "KV cache");

        List<Node> nodes = new ArrayList<>();
        nodes.add(new Node(new Op.Embed(hbm.place(weights.embedding())), Part.EMBEDDING, Node.NO_LAYER));
        float eps = config.rmsNormEps();
        for (int l = 0; l < weights.layers().size(); l++) {
            LayerWeights w = weights.layers().get(l);
            List<Op> ops = List.of(
                    new Op.RmsNorm(Activation.X, hbm.place(w.attentionNorm()), eps, Activation.XB),
                    new Op.MatVec(hbm.place(w.wq()), Activation.XB, Activation.Q),
                    new Op.MatVec(hbm.place(w.wk()), Activation.XB, Activation.K),
                    new Op.MatVec(hbm.place(w.wv()), Activation.XB, Activation.V),
                    new Op.Rope(Activation.Q, config.numHeads()),
                    new Op.Rope(Activation.K, config.numKvHeads()),
                    new Op.KvWrite(l),
                    new Op.Attention(l),
                    new Op.MatVec(hbm.place(w.wo()), Activation.ATTN, Activation.XB2),
                    new Op.Residual(Activation.X, Activation.XB2),
                    new Op.RmsNorm(Activation.X, hbm.place(w.ffnNorm()), eps, Activation.XB),
                    new Op.MatVec(hbm.place(w.gate()), Activation.XB, Activation.HB),
                    new Op.MatVec(hbm.place(w.up()), Activation.XB, Activation.HB2),
                    new Op.SwiGlu(Activation.HB, Activation.HB2),
                    new Op.MatVec(hbm.place(w.down()), Activation.HB, Activation.XB2),
                    new Op.Residual(Activation.X, Activation.XB2));
            for (Op op : ops) {
                nodes.add(new Node(op, Part.DECODER, l));
            }
        }
        nodes.add(new Node(new Op.RmsNorm(Activation.X, hbm.place(weights.finalNorm()), eps, Activation.XB),
                Part.CLASSIFIER, Node.NO_LAYER));
        nodes.add(new Node(new Op.MatVec(hbm.place(weights.classifier()), Activation.XB, Activation.LOGITS),
                Part.CLASSIFIER, Node.NO_LAYER));
        nodes.add(new Node(new Op.Sample(), Part.SAMPLING, Node.NO_LAYER));
        return new DecodeGraph(config, nodes);
    }

    /** K and V in FP32 for every layer and position of the context. */
    public static long kvCacheBytes(ModelConfig config) {
        return 2L * config.numLayers() * config.maxPositions() * config.kvDim() * Float.BYTES;
    }
}
