package rdu.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import rdu.family.Family;
import rdu.family.MixtureOfExperts;
import rdu.family.WeightNames;
import rdu.family.WeightNames.Role;
import rdu.rope.RopeLayout;
import rdu.tensor.Tensor;

/**
 * Picks the tensors of a Hugging Face checkpoint by the names its family gives them ({@link WeightNames}) and checks
 * each shape against config.json. Fused projections (Phi-3's qkv_proj and gate_up_proj, GPT-2's c_attn) are split
 * into views of their rows; GPT-2's Conv1D weights, stored [in, out], are the only tensors copied, transposed into
 * {@code arena}.
 */
public final class HfWeights {

    private final Map<String, Tensor> tensors;
    private final ModelConfig config;
    private final WeightNames names;
    private final Path weights;
    private final Arena arena;
    private final Set<String> used = new HashSet<>();

    private HfWeights(Map<String, Tensor> tensors, ModelConfig config, Path weights, Arena arena) {
        this.names = config.family().names();
        this.tensors = withoutOptionalPrefix(tensors, names.optionalPrefix());
        this.config = config;
        this.weights = weights;
        this.arena = arena;
    }

    /**
     * @param tensors every tensor of the checkpoint, by name
     * @param weights the file or directory the tensors come from (named in errors)
     * @param arena   where transposed copies live (GPT-2), as long as the checkpoint's mapped tensors
     */
    public static ModelWeights assemble(Map<String, Tensor> tensors, ModelConfig config, Path weights, Arena arena) {
        return new HfWeights(tensors, config, weights, arena).assemble();
    }

    private ModelWeights assemble() {
        Family family = config.family();
        long vocab = config.vocabSize();
        long hidden = config.hiddenSize();
        Tensor embedding = take(names.of(Role.EMBEDDING) + ".weight", "[vocab_size, hidden_size]", vocab, hidden);
        Tensor positions = family.positions() == Family.Positions.LEARNED
                ? take(names.of(Role.POSITION_EMBEDDING) + ".weight", "[max_position_embeddings, hidden_size]",
                        config.maxPositions(), hidden)
                : null;
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < config.numLayers(); l++) {
            layers.add(layer(l));
        }
        Affine finalNorm = norm(names.of(Role.FINAL_NORM));
        String classifierName = names.of(Role.CLASSIFIER);
        Affine classifier;
        if (config.tiedEmbeddings()) {
            // Some exporters store lm_head.weight even when tied; transformers ignores it, and so do we.
            used.add(classifierName + ".weight");
            classifier = new Affine(embedding, family.lmHeadBias() ? bias(classifierName, vocab) : null);
        } else {
            // an untied lm_head is an nn.Linear [out, in] even beside Conv1D layers (GPT-2)
            Tensor weight = take(classifierName + ".weight", "[vocab_size, hidden_size]", vocab, hidden);
            classifier = new Affine(weight, family.lmHeadBias() ? bias(classifierName, vocab) : null);
        }
        checkNothingLeft();
        return new ModelWeights(embedding, positions, layers, finalNorm, classifier, RopeLayout.HALF);
    }

    private LayerWeights layer(int l) {
        Family family = config.family();
        long hidden = config.hiddenSize();
        long qDim = config.qDim();
        long kvDim = config.kvDim();
        boolean qkvBias = family.attention().qkvBias();
        Affine q;
        Affine k;
        Affine v;
        if (names.has(Role.QKV)) {
            Affine qkv = projection(names.of(Role.QKV, l), qkvBias, "(num_attention_heads+2*num_key_value_heads)"
                    + "*head_dim", qDim + 2 * kvDim, "hidden_size", hidden);
            q = rows(qkv, ".q", 0, qDim);
            k = rows(qkv, ".k", qDim, kvDim);
            v = rows(qkv, ".v", qDim + kvDim, kvDim);
        } else {
            q = projection(names.of(Role.Q, l), qkvBias, "num_attention_heads*head_dim", qDim, "hidden_size", hidden);
            k = projection(names.of(Role.K, l), qkvBias, "num_key_value_heads*head_dim", kvDim, "hidden_size",
                    hidden);
            v = projection(names.of(Role.V, l), qkvBias, "num_key_value_heads*head_dim", kvDim, "hidden_size",
                    hidden);
        }
        Affine o = projection(names.of(Role.O, l), family.attention().oBias(), "hidden_size", hidden,
                "num_attention_heads*head_dim", qDim);
        Affine ffnNorm = family.parallelBlock() ? null : norm(names.of(Role.FFN_NORM, l));
        boolean sparse = family.moe() != null && family.moe().isSparse(l);
        return new LayerWeights(norm(names.of(Role.ATTENTION_NORM, l)), q, k, v, o,
                family.postNorms() ? norm(names.of(Role.POST_ATTENTION_NORM, l)) : null, ffnNorm,
                sparse ? null : mlp(l), sparse ? moe(l, family.moe()) : null,
                family.postNorms() ? norm(names.of(Role.POST_FFN_NORM, l)) : null);
    }

    /** Layer {@code l}'s router, experts, and shared expert with its gate. */
    private MoeWeights moe(int l, MixtureOfExperts moe) {
        long hidden = config.hiddenSize();
        Tensor router = take(names.of(Role.ROUTER, l) + ".weight", "[num_experts, hidden_size]", moe.experts(), hidden);
        List<Mlp> experts = new ArrayList<>();
        for (int e = 0; e < moe.experts(); e++) {
            experts.add(gated(names.of(Role.EXPERT_GATE, l, e), names.of(Role.EXPERT_UP, l, e),
                    names.of(Role.EXPERT_DOWN, l, e), "expert", moe.width()));
        }
        if (moe.sharedWidth() == 0) {
            return new MoeWeights(router, experts, null, null);
        }
        Mlp shared = gated(names.of(Role.SHARED_GATE, l), names.of(Role.SHARED_UP, l), names.of(Role.SHARED_DOWN, l),
                "shared_expert", moe.sharedWidth());
        return new MoeWeights(router, experts, shared,
                take(names.of(Role.SHARED_EXPERT_GATE, l) + ".weight", "[1, hidden_size]", 1, hidden));
    }

    /** A gated MLP without biases, {@code width} wide ({@code what}_intermediate_size in errors). */
    private Mlp gated(String gate, String up, String down, String what, long width) {
        long hidden = config.hiddenSize();
        String field = what + "_intermediate_size";
        return new Mlp(projection(gate, false, field, width, "hidden_size", hidden),
                projection(up, false, field, width, "hidden_size", hidden),
                projection(down, false, "hidden_size", hidden, field, width));
    }

    private Mlp mlp(int l) {
        Family family = config.family();
        long hidden = config.hiddenSize();
        long inter = config.intermediateSize();
        boolean bias = family.mlpBias();
        Affine down = projection(names.of(Role.DOWN, l), bias, "hidden_size", hidden, "intermediate_size", inter);
        if (family.mlp() == Family.MlpKind.PLAIN) {
            return new Mlp(null, projection(names.of(Role.UP, l), bias, "intermediate_size", inter, "hidden_size",
                    hidden), down);
        }
        if (names.has(Role.GATE_UP)) {
            Affine gateUp = projection(names.of(Role.GATE_UP, l), bias, "2*intermediate_size", 2 * inter,
                    "hidden_size", hidden);
            return new Mlp(rows(gateUp, ".gate", 0, inter), rows(gateUp, ".up", inter, inter), down);
        }
        return new Mlp(projection(names.of(Role.GATE, l), bias, "intermediate_size", inter, "hidden_size", hidden),
                projection(names.of(Role.UP, l), bias, "intermediate_size", inter, "hidden_size", hidden), down);
    }

    /** Rows [start, start + count) of a fused projection and of its bias, named after the part they are. */
    private static Affine rows(Affine fused, String part, long start, long count) {
        Tensor w = fused.weight();
        Tensor b = fused.bias();
        return new Affine(w.rows(w.name() + part, start, count),
                b == null ? null : b.elements(b.name() + part, start, count));
    }

    /**
     * A layer's projection [out, in] (stored [in, out] by Conv1D families, and transposed here), and its bias [out]
     * when the family has one.
     */
    private Affine projection(String name, boolean bias, String outField, long out, String inField, long in) {
        Tensor weight;
        if (names.conv1d()) {
            Tensor stored = take(name + ".weight", "[" + inField + ", " + outField + "] (Conv1D)", in, out);
            weight = transposed(stored);
        } else {
            weight = take(name + ".weight", "[" + outField + ", " + inField + "]", out, in);
        }
        return new Affine(weight, bias ? take(name + ".bias", "[" + outField + "]", out) : null);
    }

    /** A norm's weight and, for LayerNorm, its bias: [hidden_size] each. */
    private Affine norm(String name) {
        long hidden = config.hiddenSize();
        Tensor weight = take(name + ".weight", "[hidden_size]", hidden);
        return new Affine(weight, config.family().norm() == Family.Norm.LAYER ? bias(name, hidden) : null);
    }

    private Tensor bias(String name, long size) {
        return take(name + ".bias", "[" + size + "]", size);
    }

    /** {@code stored} [in, out] as [out, in], copied element by element into the arena, in its own dtype. */
    private Tensor transposed(Tensor stored) {
        long in = stored.dim(0);
        long out = stored.dim(1);
        long bytes = stored.dtype().bytes();
        MemorySegment copy = arena.allocate(stored.byteSize(), 64);
        MemorySegment source = stored.data();
        for (long i = 0; i < in; i++) {
            for (long o = 0; o < out; o++) {
                MemorySegment.copy(source, (i * out + o) * bytes, copy, (o * in + i) * bytes, bytes);
            }
        }
        return new Tensor(stored.name() + " (transposed)", stored.dtype(), new long[] {out, in}, copy);
    }

    private Tensor take(String name, String shapeFields, long... shape) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException(weights, "missing tensor \"" + name + "\" (required by "
                    + config.architecture() + ")");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CheckpointException(weights, "tensor \"" + name + "\" shape",
                    Arrays.toString(shape) + " (" + shapeFields + " from config.json)", Arrays.toString(t.shape()));
        }
        used.add(name);
        return t;
    }

    /** The tensors by name, {@code prefix} removed from the names that start with it ("" keeps them as they are). */
    private static Map<String, Tensor> withoutOptionalPrefix(Map<String, Tensor> tensors, String prefix) {
        if (prefix.isEmpty()) {
            return tensors;
        }
        Map<String, Tensor> renamed = new HashMap<>();
        tensors.forEach((name, t) -> renamed.put(name.startsWith(prefix) ? name.substring(prefix.length()) : name, t));
        return renamed;
    }

    /** Tensors the config does not account for (e.g. more layers than num_hidden_layers) mean config and weights disagree. */
    private void checkNothingLeft() {
        List<String> left = tensors.keySet().stream()
                .filter(name -> !used.contains(name))
                .filter(name -> !isBuffer(name))
                .sorted()
                .toList();
        if (!left.isEmpty()) {
            throw new CheckpointException(weights, "tensors not used by " + config.architecture()
                    + " with num_hidden_layers=" + config.numLayers() + " (config.json): "
                    + left.subList(0, Math.min(5, left.size())).stream().map(CheckpointFiles::quoted).toList()
                    + (left.size() > 5 ? " and " + (left.size() - 5) + " more" : ""));
        }
    }

    /**
     * Buffers older exports saved beside the weights, which are recomputed: rotary inverse frequencies, GPT-2's
     * causal masks.
     */
    private static boolean isBuffer(String name) {
        return name.endsWith(".rotary_emb.inv_freq") || name.endsWith(".attn.bias")
                || name.endsWith(".attn.masked_bias");
    }
}
