package rdu.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import rdu.rope.RopeLayout;
import rdu.tensor.Tensor;

/**
 * Picks the tensors of a Hugging Face LlamaForCausalLM checkpoint by name and checks each shape against config.json.
 */
public final class HfWeights {

    private final Map<String, Tensor> tensors;
    private final Path weights;
    private final Set<String> used = new HashSet<>();

    private HfWeights(Map<String, Tensor> tensors, Path weights) {
        this.tensors = tensors;
        this.weights = weights;
    }

    /**
     * @param tensors every tensor of the checkpoint, by name
     * @param weights the file or directory the tensors come from (named in errors)
     */
    public static LlamaWeights assemble(Map<String, Tensor> tensors, ModelConfig config, Path weights) {
        HfWeights w = new HfWeights(tensors, weights);
        long vocab = config.vocabSize();
        long hidden = config.hiddenSize();
        long inter = config.intermediateSize();
        long qDim = config.qDim();
        long kvDim = config.kvDim();

        Tensor embedding = w.take("model.embed_tokens.weight", "[vocab_size, hidden_size]", vocab, hidden);
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            layers.add(new LayerWeights(
                    w.take(p + "input_layernorm.weight", "[hidden_size]", hidden),
                    w.take(p + "self_attn.q_proj.weight", "[num_attention_heads*head_dim, hidden_size]", qDim, hidden),
                    w.take(p + "self_attn.k_proj.weight", "[num_key_value_heads*head_dim, hidden_size]", kvDim, hidden),
                    w.take(p + "self_attn.v_proj.weight", "[num_key_value_heads*head_dim, hidden_size]", kvDim, hidden),
                    w.take(p + "self_attn.o_proj.weight", "[hidden_size, num_attention_heads*head_dim]", hidden, qDim),
                    w.take(p + "post_attention_layernorm.weight", "[hidden_size]", hidden),
                    w.take(p + "mlp.gate_proj.weight", "[intermediate_size, hidden_size]", inter, hidden),
                    w.take(p + "mlp.up_proj.weight", "[intermediate_size, hidden_size]", inter, hidden),
                    w.take(p + "mlp.down_proj.weight", "[hidden_size, intermediate_size]", hidden, inter)));
        }
        Tensor finalNorm = w.take("model.norm.weight", "[hidden_size]", hidden);
        Tensor classifier;
        if (config.tiedEmbeddings()) {
            classifier = embedding;
            // Some exporters store lm_head.weight even when tied; transformers ignores it, and so do we.
            w.used.add("lm_head.weight");
        } else {
            classifier = w.take("lm_head.weight", "[vocab_size, hidden_size]", vocab, hidden);
        }
        w.checkNothingLeft(config);
        return new LlamaWeights(embedding, layers, finalNorm, classifier, RopeLayout.HALF);
    }

    private Tensor take(String name, String shapeFields, long... shape) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException(weights, "missing tensor \"" + name + "\" (required by " + HfConfig.LLAMA + ")");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CheckpointException(weights, "tensor \"" + name + "\" shape",
                    Arrays.toString(shape) + " (" + shapeFields + " from config.json)", Arrays.toString(t.shape()));
        }
        used.add(name);
        return t;
    }

    /** Tensors the config does not account for (e.g. more layers than num_hidden_layers) mean config and weights disagree. */
    private void checkNothingLeft(ModelConfig config) {
        List<String> left = tensors.keySet().stream()
                .filter(name -> !used.contains(name))
                .filter(name -> !name.endsWith(".rotary_emb.inv_freq")) // a buffer older exports saved; recomputed
                .toList();
        if (!left.isEmpty()) {
            throw new CheckpointException(weights, "tensors not used by " + HfConfig.LLAMA + " with num_hidden_layers="
                    + config.numLayers() + " (config.json): "
                    + left.subList(0, Math.min(5, left.size())).stream().map(CheckpointFiles::quoted).toList()
                    + (left.size() > 5 ? " and " + (left.size() - 5) + " more" : ""));
        }
    }
}
