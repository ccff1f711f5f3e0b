package rdu.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rdu.family.AttentionOptions;
import rdu.family.Family;
import rdu.family.WeightNames;
import rdu.family.WeightNames.Role;
import rdu.mla.MlaConfig;
import rdu.model.Affine;
import rdu.model.LayerWeights;
import rdu.model.Mlp;
import rdu.model.ModelConfig;
import rdu.model.ModelWeights;
import rdu.model.MoeWeights;
import rdu.moe.MoeConfig;
import rdu.rope.RopeLayout;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

/**
 * Megatron-style tensor parallelism over N sockets, as the shard one socket holds: q, k, v, gate and up are split by
 * output rows (whole heads, MLP columns), o and down by input columns, so each socket's o and down products are
 * partial sums that {@link Op.AllReduce} adds up. The classifier is split by vocabulary rows and its logits gathered
 * ({@link Op.AllGather}); the embedding table is replicated (a step reads one row of it). When
 * sockets outnumber KV heads, each socket keeps a copy of the one KV head its query heads read. A size that does not
 * divide evenly is rounded up: sockets are modeled alike, so the largest shard sets the pace.
 */
public final class TensorParallel {

    /**
     * One socket's part of a model: a config of the shard's sizes and its tensors.
     *
     * @param routedExperts   the Mixture-of-Experts layers' routed experts by layer number (empty for a dense model)
     * @param latentAttention the Multi-head Latent Attention layers' tensors by layer number (empty for other models)
     */
    public record Shard(ModelConfig config, ModelWeights weights, int sockets,
                        Map<Integer, RoutedExperts> routedExperts, Map<Integer, LatentAttention> latentAttention) {

        public Shard {
            routedExperts = Map.copyOf(routedExperts);
            latentAttention = Map.copyOf(latentAttention);
        }

        /**
         * The shard of the model cut after its first {@code layers} decoder layers, with the same final norm and
         * classifier: self-speculation's draft, which shares every tensor with its target.
         */
        public Shard firstLayers(int layers) {
            if (layers < 1 || layers > config.numLayers()) {
                throw new IllegalArgumentException("the first " + layers + " layers of a " + config.numLayers()
                        + "-layer model: expected 1 to " + config.numLayers());
            }
            var cut = weights.withLayers(weights.layers().subList(0, layers));
            return new Shard(config.withLayers(layers), cut, sockets, below(routedExperts, layers),
                    below(latentAttention, layers));
        }

        private static <T> Map<Integer, T> below(Map<Integer, T> byLayer, int layers) {
            var kept = new HashMap<Integer, T>();
            byLayer.forEach((layer, value) -> {
                if (layer < layers) {
                    kept.put(layer, value);
                }
            });
            return kept;
        }
    }

    private TensorParallel() {
    }

    /** The sizes of one socket's shard (the largest, where a size does not divide evenly). */
    public static ModelConfig shardConfig(ModelConfig c, int sockets) {
        if (sockets < 1) {
            throw new IllegalArgumentException("sockets must be >= 1, found " + sockets);
        }
        int kvHeads = c.numKvHeads() >= sockets ? Math.ceilDiv(c.numKvHeads(), sockets) : 1;
        return new ModelConfig(c.architecture(), c.hiddenSize(), Math.ceilDiv(c.intermediateSize(), sockets),
                c.numLayers(), Math.ceilDiv(c.numHeads(), sockets), kvHeads, c.headDim(),
                Math.ceilDiv(c.vocabSize(), sockets),
                c.maxPositions(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.tiedEmbeddings(), c.bosTokenId(),
                c.eosTokenIds(), c.family());
    }

    /**
     * The one rule on how a model splits, which both kinds of run state. A functional run ({@code rdu generate})
     * computes with views on the checkpoint's tensors, so each socket needs an equal block of whole query heads, and
     * the KV heads must split evenly or replicate evenly (each socket keeping the one KV head its queries read). A
     * timing-only run ({@code rdu simulate}) models any split: sizes round up to the largest shard, which sets the
     * pace, and where sockets outnumber query heads a head is replicated (the published runs put qwen2.5-0.5b's 14
     * heads on 16 sockets).
     *
     * @return why functional tensor parallelism cannot split {@code c} over {@code sockets}, or null if it can
     */
    public static String unevenSplit(ModelConfig c, int sockets) {
        List<String> uneven = new ArrayList<>();
        if (c.numHeads() % sockets != 0) {
            uneven.add("the " + c.numHeads() + " query heads do not split evenly");
        }
        boolean kvSplit = c.numKvHeads() >= sockets;
        if (kvSplit ? c.numKvHeads() % sockets != 0 : sockets % c.numKvHeads() != 0) {
            uneven.add("the " + c.numKvHeads() + " KV heads do not " + (kvSplit ? "split" : "replicate") + " evenly");
        }
        return uneven.isEmpty() ? null : String.join(" and ", uneven) + " over " + sockets + " sockets";
    }

    /** One socket's shard of {@code config} with {@code dtype} weights, as shapes without data (timing-only runs). */
    public static Shard describe(ModelConfig config, DType dtype, int sockets) {
        return describe(config, null, false, dtype, sockets);
    }

    /**
     * One socket's shard of a model with Mixture-of-Experts layers ({@code moe}; null for a dense model), as shapes
     * without data. Each socket holds the router whole (every socket routes every sample) and a 1/N slice of the
     * shared expert's width, like a dense MLP, and its sigmoid gate whole, if it has one. Routed experts are split one of two ways:
     * <ul>
     * <li>tensor parallelism (the default): every socket holds 1/N of every expert's width, so each touched expert
     *     streams a slice on every socket;
     * <li>expert parallelism ({@code expertParallel}): each socket holds E/N whole experts (rounded up), so a touched
     *     expert streams on one socket only. Every socket already holds every sample's XB after the attention
     *     all-reduce, so dispatching tokens to experts needs no traffic; each socket's experts add their outputs to
     *     its partial sum of XB2, which the layer's all-reduce combines as for a dense MLP. No all-to-all is modeled.
     * </ul>
     */
    public static Shard describe(ModelConfig config, MoeConfig moe, boolean expertParallel, DType dtype,
                                 int sockets) {
        return describe(config, moe, null, expertParallel, dtype, sockets);
    }

    /**
     * As {@link #describe(ModelConfig, MoeConfig, boolean, DType, int)}, with Multi-head Latent Attention in every
     * layer when {@code mla} is set (null: grouped-query attention). q_b, kv_b and o are split by heads; q_a, kv_a and
     * their norms are whole on every socket, as every socket's heads read the whole latent.
     */
    public static Shard describe(ModelConfig config, MoeConfig moe, MlaConfig mla, boolean expertParallel,
                                 DType dtype, int sockets) {
        ModelConfig s = shardConfig(config, sockets);
        if (mla != null && Math.max(mla.qLoraRank(), mla.latentWidth()) > s.hiddenSize()) {
            throw new IllegalArgumentException("MLA latents go through a hidden-sized buffer: q_lora_rank "
                    + mla.qLoraRank() + " and kv_lora_rank + qk_rope_head_dim " + mla.latentWidth()
                    + " must be at most hidden_size " + s.hiddenSize());
        }
        String tag = sockets == 1 ? "" : " [1/" + sockets + "]";
        List<LayerWeights> layers = new ArrayList<>();
        Map<Integer, RoutedExperts> routed = new HashMap<>();
        Map<Integer, LatentAttention> latent = new HashMap<>();
        for (int l = 0; l < s.numLayers(); l++) {
            Layer layer = layer(l, s, moe, mla, expertParallel, dtype, sockets, tag);
            layers.add(layer.weights());
            if (layer.routed() != null) {
                routed.put(l, layer.routed());
            }
            if (layer.latent() != null) {
                latent.put(l, layer.latent());
            }
        }
        return new Shard(s, around(layers, config, s, dtype, sockets, tag), sockets, routed, latent);
    }

    /**
     * A shard's weights: its {@code layers} between the embeddings (whole), and the final norm and classifier, named
     * as the model's family names them.
     */
    private static ModelWeights around(List<LayerWeights> layers, ModelConfig config, ModelConfig s, DType dtype,
                                       int sockets, String tag) {
        Family family = s.family();
        WeightNames names = family.names();
        Tensor embedding = Tensor.describe(names.of(Role.EMBEDDING) + ".weight", dtype, config.vocabSize(),
                s.hiddenSize());
        // learned positions: one row of the table read a step, as the token's
        Tensor positions = family.positions() == Family.Positions.LEARNED
                ? Tensor.describe(names.of(Role.POSITION_EMBEDDING) + ".weight", dtype, s.maxPositions(),
                        s.hiddenSize())
                : null;
        String classifier = names.of(Role.CLASSIFIER);
        Tensor weight = sockets == 1 && s.tiedEmbeddings() ? embedding
                : Tensor.describe(classifier + ".weight" + tag, dtype, s.vocabSize(), s.hiddenSize());
        Tensor bias = family.lmHeadBias() ? Tensor.describe(classifier + ".bias" + tag, dtype, s.vocabSize()) : null;
        return new ModelWeights(embedding, positions, layers, norm(family, names.of(Role.FINAL_NORM), dtype,
                s.hiddenSize()), new Affine(weight, bias), RopeLayout.HALF);
    }

    /** A norm of the family's kind: its weight, and its bias for LayerNorm. */
    private static Affine norm(Family family, String name, DType dtype, int size) {
        return new Affine(Tensor.describe(name + ".weight", dtype, size),
                family.norm() == Family.Norm.LAYER ? Tensor.describe(name + ".bias", dtype, size) : null);
    }

    /** A tensor of a shard, and how many tensors of its shape the shard holds (one per layer of its kind). */
    public record Repeated(Tensor tensor, int times) {
    }

    /**
     * The tensors {@link #describe(ModelConfig, MoeConfig, MlaConfig, boolean, DType, int)} gives one socket, each
     * once (a tied classifier is the embedding), counted instead of built layer by layer: the layers of one kind
     * (dense or Mixture-of-Experts) are alike, so one of each kind stands for all of them. It costs the same for
     * a billion layers as for one, so sizes can be checked before anything as large as the model is built.
     */
    public static List<Repeated> tensors(ModelConfig config, MoeConfig moe, MlaConfig mla, boolean expertParallel,
                                         DType dtype, int sockets) {
        ModelConfig s = shardConfig(config, sockets);
        String tag = sockets == 1 ? "" : " [1/" + sockets + "]";
        int moeLayers = moe == null ? 0 : moe.moeLayers(s.numLayers());
        List<Repeated> tensors = new ArrayList<>();
        if (moeLayers > 0) {
            layer(moe.firstMoeLayer(), s, moe, mla, expertParallel, dtype, sockets, tag).tensors()
                    .forEach(t -> tensors.add(new Repeated(t, moeLayers)));
        }
        if (moeLayers < s.numLayers()) {
            // layer 0 is dense, or else MoE layers start at 0 with a step and layer 1 is dense
            int dense = moe == null || !moe.isMoeLayer(0) ? 0 : 1;
            layer(dense, s, moe, mla, expertParallel, dtype, sockets, tag).tensors()
                    .forEach(t -> tensors.add(new Repeated(t, s.numLayers() - moeLayers)));
        }
        around(List.of(), config, s, dtype, sockets, tag).all().forEach(t -> tensors.add(new Repeated(t, 1)));
        return tensors;
    }

    /** One decoder layer of a shard: its weights, and its routed experts and latent attention (null if none). */
    private record Layer(LayerWeights weights, RoutedExperts routed, LatentAttention latent) {

        /** Every tensor of the layer. */
        List<Tensor> tensors() {
            List<Tensor> all = new ArrayList<>(weights.tensors());
            if (routed != null) {
                all.addAll(List.of(routed.router(), routed.experts()));
                if (routed.sharedGate() != null) {
                    all.add(routed.sharedGate());
                }
            }
            if (latent != null) {
                all.addAll(List.of(latent.qA(), latent.qNorm(), latent.qB(), latent.kvA(), latent.kvNorm(),
                        latent.kvB()));
            }
            return all;
        }
    }

    /** Layer {@code l} of a shard of sizes {@code s}. */
    private static Layer layer(int l, ModelConfig s, MoeConfig moe, MlaConfig mla, boolean expertParallel,
                               DType dtype, int sockets, String tag) {
        String p = "model.layers." + l + ".";
        int h = s.hiddenSize();
        LatentAttention latent = mla == null ? null : latentAttention(p, mla, s.numHeads(), h, dtype, tag);
        // MLA has no q, k, v, and its o reads heads * v_head_dim
        int attentionOut = mla == null ? s.qDim() : s.numHeads() * mla.vHeadDim();
        boolean moeLayer = moe != null && moe.isMoeLayer(l);
        // an MoE layer's gate, up and down are its shared experts' (as one MLP), null when it has none
        int mlp = moeLayer ? Math.ceilDiv(moe.sharedExperts() * moe.sharedIntermediate(), sockets)
                : s.intermediateSize();
        Family family = s.family();
        WeightNames names = family.names();
        AttentionOptions a = family.attention();
        var weights = new LayerWeights(
                norm(family, names.of(Role.ATTENTION_NORM, l), dtype, h),
                mla != null ? null : projection(Stored.of(names, Role.Q, l), a.qkvBias(), true, s.qDim(), h, dtype,
                        tag),
                mla != null ? null : projection(Stored.of(names, Role.K, l), a.qkvBias(), true, s.kvDim(), h, dtype,
                        tag),
                mla != null ? null : projection(Stored.of(names, Role.V, l), a.qkvBias(), true, s.kvDim(), h, dtype,
                        tag),
                projection(Stored.of(names, Role.O, l), a.oBias(), false, h, attentionOut, dtype, tag),
                family.postNorms() ? norm(family, names.of(Role.POST_ATTENTION_NORM, l), dtype, h) : null,
                family.parallelBlock() ? null : norm(family, names.of(Role.FFN_NORM, l), dtype, h),
                moeLayer ? sharedExpert(p, mlp, h, dtype, tag) : denseMlp(family, l, mlp, h, dtype, tag),
                null,
                family.postNorms() ? norm(family, names.of(Role.POST_FFN_NORM, l), dtype, h) : null);
        RoutedExperts routed = null;
        if (moeLayer) {
            int e = moe.experts();
            int held = expertParallel ? Math.ceilDiv(e, sockets) : e;
            int width = expertParallel ? moe.expertIntermediate() : Math.ceilDiv(moe.expertIntermediate(), sockets);
            String heldTag = expertParallel ? " [" + held + " of " + e + " experts]" : tag;
            routed = new RoutedExperts(Tensor.describe(p + "mlp.router.weight", dtype, e, h),
                    Tensor.describe(p + "mlp.experts.gate_up_down" + heldTag, dtype, held, 3L * width, h),
                    e, moe.expertsPerToken(),
                    moe.sharedExpertGate() ? Tensor.describe(p + "mlp.shared_expert_gate.weight", dtype, 1, h) : null);
        }
        return new Layer(weights, routed, latent);
    }

    /** An MoE layer's shared experts as one gated MLP of {@code width}, null when it has none. */
    private static Mlp sharedExpert(String p, int width, int h, DType dtype, String tag) {
        return width == 0 ? null : Mlp.gated(
                Tensor.describe(p + "mlp.shared_expert.gate_proj.weight" + tag, dtype, width, h),
                Tensor.describe(p + "mlp.shared_expert.up_proj.weight" + tag, dtype, width, h),
                Tensor.describe(p + "mlp.shared_expert.down_proj.weight" + tag, dtype, h, width));
    }

    /** A dense layer's feed-forward block of {@code width} (this socket's), gated or plain as the family's is. */
    private static Mlp denseMlp(Family family, int l, int width, int h, DType dtype, String tag) {
        WeightNames names = family.names();
        boolean bias = family.mlpBias();
        Affine up = projection(Stored.of(names, Role.UP, l), bias, true, width, h, dtype, tag);
        Affine down = projection(Stored.of(names, Role.DOWN, l), bias, false, h, width, dtype, tag);
        return family.mlp() == Family.MlpKind.PLAIN ? new Mlp(null, up, down)
                : new Mlp(projection(Stored.of(names, Role.GATE, l), bias, true, width, h, dtype, tag), up, down);
    }

    /**
     * Where a layer's projection sits in the checkpoint: its own tensor, or rows of a fused one (Phi-3's qkv_proj and
     * gate_up_proj, GPT-2's c_attn), named as the loader names those rows ("qkv_proj.weight.q").
     */
    private record Stored(String name, String rows) {

        private static final Map<Role, Role> FUSED = Map.of(Role.Q, Role.QKV, Role.K, Role.QKV, Role.V, Role.QKV,
                Role.GATE, Role.GATE_UP, Role.UP, Role.GATE_UP);

        static Stored of(WeightNames names, Role role, int layer) {
            if (names.has(role) || !FUSED.containsKey(role)) {
                return new Stored(names.of(role, layer), "");
            }
            return new Stored(names.of(FUSED.get(role), layer), "." + role.name().toLowerCase(Locale.ROOT));
        }
    }

    /**
     * A projection [out, in] of this socket, with its bias when {@code bias}: split by output rows ({@code byRows}:
     * q, k, v, gate, up), the bias follows its rows; split by input columns (o, down), the bias stays whole, added
     * after the all-reduce.
     */
    private static Affine projection(Stored stored, boolean bias, boolean byRows, int out, int in, DType dtype,
                                     String tag) {
        Tensor weight = Tensor.describe(stored.name() + ".weight" + stored.rows() + tag, dtype, out, in);
        return new Affine(weight, bias ? Tensor.describe(stored.name() + ".bias" + stored.rows() + (byRows ? tag : ""),
                dtype, out) : null);
    }

    /** One layer's MLA tensors, with DeepSeek V3's names, for {@code heads} query heads of this socket. */
    private static LatentAttention latentAttention(String p, MlaConfig mla, int heads, int hidden, DType dtype,
                                                   String tag) {
        return new LatentAttention(mla,
                Tensor.describe(p + "self_attn.q_a_proj.weight", dtype, mla.qLoraRank(), hidden),
                Tensor.describe(p + "self_attn.q_a_layernorm.weight", dtype, mla.qLoraRank()),
                Tensor.describe(p + "self_attn.q_b_proj.weight" + tag, dtype, (long) heads * mla.qkHeadDim(),
                        mla.qLoraRank()),
                Tensor.describe(p + "self_attn.kv_a_proj_with_mqa.weight", dtype, mla.latentWidth(), hidden),
                Tensor.describe(p + "self_attn.kv_a_layernorm.weight", dtype, mla.kvLoraRank()),
                Tensor.describe(p + "self_attn.kv_b_proj.weight" + tag, dtype,
                        (long) heads * (mla.qkNopeHeadDim() + mla.vHeadDim()), mla.kvLoraRank()));
    }

    /**
     * Socket {@code socket}'s shard of a real model, as views on the checkpoint's tensors (no copies): whole heads
     * for q, k and v, the matching column blocks of o, a block of MLP rows and the matching columns of down, a block
     * of classifier rows; biases follow their projection's rows, or stay whole for o and down (added after the
     * all-reduce); norms and embeddings stay whole. Heads must split evenly; MLP and vocabulary blocks differ by at
     * most one row.
     */
    public static Shard slice(ModelConfig c, ModelWeights w, int sockets, int socket) {
        if (sockets == 1) {
            return new Shard(c, w, 1, Map.of(), Map.of());
        }
        String uneven = unevenSplit(c, sockets);
        if (uneven != null) {
            throw new IllegalArgumentException("functional tensor parallelism needs an even split: " + uneven
                    + " (rdu simulate models such a split by its largest shard)");
        }
        int d = c.headDim();
        int heads = c.numHeads() / sockets;
        int kvHeads = Math.max(1, c.numKvHeads() / sockets);
        int firstKvHead = c.numKvHeads() >= sockets ? socket * kvHeads
                : socket * heads / (c.numHeads() / c.numKvHeads()); // the one KV head this socket's queries read
        long[] mlp = block(c.intermediateSize(), sockets, socket);
        long[] vocab = block(c.vocabSize(), sockets, socket);
        String tag = " [" + socket + "/" + sockets + "]";
        List<LayerWeights> layers = new ArrayList<>();
        for (LayerWeights l : w.layers()) {
            MoeWeights moe = l.moe() == null ? null : new MoeWeights(l.moe().router(),
                    l.moe().experts().stream().map(e -> slice(e, tag, sockets, socket)).toList(),
                    l.moe().shared() == null ? null : slice(l.moe().shared(), tag, sockets, socket),
                    l.moe().sharedGate());
            layers.add(new LayerWeights(l.attentionNorm(),
                    rows(l.q(), tag, (long) socket * heads * d, (long) heads * d),
                    rows(l.k(), tag, (long) firstKvHead * d, (long) kvHeads * d),
                    rows(l.v(), tag, (long) firstKvHead * d, (long) kvHeads * d),
                    columns(l.o(), tag, (long) socket * heads * d, (long) heads * d),
                    l.postAttentionNorm(), l.ffnNorm(), l.mlp() == null ? null : slice(l.mlp(), tag, sockets, socket),
                    moe, l.postFfnNorm()));
        }
        Affine classifier = rows(w.classifier(), tag, vocab[0], vocab[1]);
        var config = new ModelConfig(c.architecture(), c.hiddenSize(), (int) mlp[1], c.numLayers(), heads, kvHeads, d,
                (int) vocab[1], c.maxPositions(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.tiedEmbeddings(),
                c.bosTokenId(), c.eosTokenIds(), c.family());
        return new Shard(config, new ModelWeights(w.embedding(), w.positionEmbedding(), layers, w.finalNorm(),
                classifier, w.ropeLayout()), sockets, Map.of(), Map.of());
    }

    /**
     * Socket {@code socket}'s block of an MLP's width: its rows of gate and up, the matching columns of down. The
     * router and the shared expert's gate, which see the whole hidden state, stay whole.
     */
    private static Mlp slice(Mlp m, String tag, int sockets, int socket) {
        long[] block = block((int) m.up().weight().dim(0), sockets, socket);
        return new Mlp(m.gate() == null ? null : rows(m.gate(), tag, block[0], block[1]),
                rows(m.up(), tag, block[0], block[1]), columns(m.down(), tag, block[0], block[1]));
    }

    /** Rows [start, start + count) of a projection split by its outputs, and the same elements of its bias. */
    private static Affine rows(Affine a, String tag, long start, long count) {
        Tensor w = a.weight();
        Tensor b = a.bias();
        return new Affine(w.rows(w.name() + tag, start, count),
                b == null ? null : b.elements(b.name() + tag, start, count));
    }

    /**
     * Columns [start, start + count) of a projection split by its inputs; its bias stays whole, added once after the
     * all-reduce of the sockets' partial sums.
     */
    private static Affine columns(Affine a, String tag, long start, long count) {
        Tensor w = a.weight();
        return new Affine(w.columns(w.name() + tag, start, count), a.bias());
    }

    /** {start, count} of block {@code socket} of {@code n} rows split over {@code sockets}. */
    private static long[] block(int n, int sockets, int socket) {
        long start = (long) n * socket / sockets;
        long end = (long) n * (socket + 1) / sockets;
        return new long[] {start, end - start};
    }

    /** The decode graph one socket runs for its shard. */
    public static DecodeGraph graph(Shard shard) {
        return DecodeGraph.build(shard.config(), shard.weights(), shard.sockets(), shard.routedExperts(),
                shard.latentAttention());
    }
}
