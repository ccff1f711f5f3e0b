package rdu.executor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntConsumer;
import rdu.activation.Residual;
import rdu.activation.SoftCap;
import rdu.attention.Attention;
import rdu.attention.KvCache;
import rdu.embedding.Embedding;
import rdu.experts.Router;
import rdu.family.Family;
import rdu.graph.Activation;
import rdu.graph.Op;
import rdu.matmul.Bias;
import rdu.matmul.MatVec;
import rdu.memory.SocketMemory;
import rdu.model.Mlp;
import rdu.model.ModelConfig;
import rdu.norm.LayerNorm;
import rdu.norm.RmsNorm;
import rdu.parallel.HostPool;
import rdu.rope.Rope;
import rdu.rope.RopeLayout;
import rdu.schedule.Schedule;
import rdu.tensor.Tensor;

/**
 * One socket running its schedule for real: each operator executes its SIMD kernel on the socket's activation
 * buffers, reading weights through their placements in the socket's memory. A pass runs n positions together: every
 * buffer holds one row per position, matrix products read their weights once for all rows, and the other operators
 * run row by row, row i at position startPos + i. Holds the state the socket holds between passes: activation buffers
 * (PMUs) and its part of the KV cache (HBM). Collectives and sampling span sockets, so {@link FunctionalExecutor}
 * runs those.
 */
final class SocketExecutor {

    /**
     * Values of an element-wise operator (a gated activation's exp per value) worth splitting between the cores: 16K
     * take ~80 us on one core, against a few microseconds to hand half to the other.
     */
    static final long PARALLEL_ELEMENTS = 1 << 14;

    private final ModelConfig config;
    private final SocketMemory memory;
    /** Each buffer as rows [position in the pass][value]; as many rows as the widest pass so far. */
    private final Map<Activation, float[][]> buffers = new EnumMap<>(Activation.class);
    private int rows;
    private final KvCache kvCache;
    /** Null when positions are learned embeddings, not rotations. */
    private final Rope rope;
    /** The last router's choice for each row of the pass: experts, and their weights; the experts read it. */
    private int[][] chosen = new int[0][];
    private float[][] routeWeights = new float[0][];

    /** @param positions the positions the run may reach: the host KV cache's bound */
    SocketExecutor(Schedule schedule, RopeLayout ropeLayout, int positions) {
        this.config = schedule.config();
        this.memory = schedule.memory();
        reserve(1);
        this.kvCache = new KvCache(config.numLayers(), positions, config.kvDim());
        Family family = config.family();
        this.rope = family.positions() == Family.Positions.LEARNED ? null
                : new Rope(family.rotaryDims(config.headDim()), config.ropeTheta(), config.ropeScaling(), ropeLayout);
    }

    /**
     * Makes room for a pass over n positions: buffers grow to the widest pass and stay, so passes allocate nothing.
     * The rows of LOGITS, the widest buffer, are made when first written: a prefill writes only its last row's.
     */
    void reserve(int n) {
        if (n > rows) {
            for (Activation a : Activation.values()) {
                buffers.put(a, a == Activation.LOGITS ? new float[n][] : new float[n][a.size(config)]);
            }
            rows = n;
        }
    }

    /** Buffer {@code a}, row i for position startPos + i of the current pass (rows past the pass are stale). */
    float[][] buffer(Activation a) {
        return buffers.get(a);
    }

    /** Rows [from, n) of buffer {@code a}, made if missing (see {@link #reserve}): the buffer itself when from is 0. */
    private float[][] rows(Activation a, int from, int n) {
        float[][] buffer = buffer(a);
        for (int i = from; i < n; i++) {
            if (buffer[i] == null) {
                buffer[i] = new float[a.size(config)];
            }
        }
        return from == 0 ? buffer : Arrays.copyOfRange(buffer, from, n);
    }

    private static int everyRow(Op op, int from, int n) {
        if (from != 0) {
            throw new IllegalArgumentException(op.getClass().getSimpleName()
                    + " runs on every row of a pass, asked for rows " + from + " to " + n);
        }
        return n;
    }

    /**
     * Runs one operator that stays within the socket over rows [from, n) of a pass of n positions: tokens[i] at
     * position startPos + i. Attention of row i covers cache positions 0..startPos + i: the pass's KvWrite has stored
     * every row before. Only the classifier's operators start past row 0 (rows whose logits nobody reads); routing
     * and experts run on every row.
     */
    void execute(Op op, int[] tokens, int startPos, int from, int n) {
        switch (op) {
            case Op.Embed e -> {
                Tensor table = memory.read(e.table());
                for (int i = from; i < n; i++) {
                    Embedding.lookup(table, tokens[i], buffer(Activation.X)[i], e.scale());
                }
            }
            case Op.PositionEmbed p -> {
                Tensor table = memory.read(p.table());
                for (int i = from; i < n; i++) {
                    Embedding.add(table, startPos + i, buffer(Activation.X)[i]);
                }
            }
            case Op.RmsNorm r -> {
                Tensor weight = memory.read(r.weight());
                for (int i = from; i < n; i++) {
                    RmsNorm.apply(buffer(r.out())[i], buffer(r.in())[i], weight, r.eps(), r.onePlusWeight());
                }
            }
            case Op.LayerNorm r -> {
                Tensor weight = memory.read(r.weight());
                Tensor bias = memory.read(r.bias());
                for (int i = from; i < n; i++) {
                    LayerNorm.apply(buffer(r.out())[i], buffer(r.in())[i], weight, bias, r.eps());
                }
            }
            case Op.MatVec m ->
                    MatVec.apply(memory.read(m.weight()), rows(m.in(), from, n), n - from, rows(m.out(), from, n));
            case Op.BiasAdd b -> {
                Tensor bias = memory.read(b.bias());
                for (int i = from; i < n; i++) {
                    Bias.add(buffer(b.target())[i], bias);
                }
            }
            case Op.Rope r -> {
                for (int i = from; i < n; i++) {
                    rope.rotate(buffer(r.target())[i], 0, r.heads(), config.headDim(), startPos + i);
                }
            }
            case Op.KvWrite w -> {
                for (int i = from; i < n; i++) {
                    kvCache.store(w.layer(), startPos + i, buffer(Activation.K)[i], buffer(Activation.V)[i]);
                }
            }
            case Op.Attention a when a.latent() != null -> throw new UnsupportedOperationException(
                    "Multi-head Latent Attention models run in timing-only mode (rdu simulate)");
            case Op.Attention a -> Attention.apply(rows(Activation.ATTN, from, n), rows(Activation.Q, from, n),
                    n - from, kvCache, a.layer(), startPos + from, config.numHeads(), config.numKvHeads(),
                    config.headDim(), a.scores());
            case Op.Glu g -> {
                int size = g.gate().size(config);
                float[][] gate = buffer(g.gate());
                float[][] up = buffer(g.up());
                eachRow(from, n, size, i -> g.function().gated(gate[i], up[i], size));
            }
            case Op.Activate a -> {
                int size = a.target().size(config);
                float[][] target = buffer(a.target());
                eachRow(from, n, size, i -> a.function().apply(target[i], size));
            }
            case Op.SoftCap c -> {
                for (int i = from; i < n; i++) {
                    SoftCap.apply(buffer(c.target())[i], c.target().size(config), c.cap());
                }
            }
            case Op.Residual r -> {
                for (int i = from; i < n; i++) {
                    Residual.add(buffer(r.into())[i], buffer(r.add())[i]);
                }
            }
            case Op.Router r -> route(r, everyRow(op, from, n));
            case Op.Experts x -> experts(x, everyRow(op, from, n));
            case Op.SharedExpert s -> sharedExpert(s, everyRow(op, from, n));
            case Op.AllReduce r -> throw new IllegalStateException("collectives span sockets: FunctionalExecutor runs them");
            case Op.AllGather g -> throw new IllegalStateException("collectives span sockets: FunctionalExecutor runs them");
            case Op.Sample s -> throw new IllegalStateException("sampling spans sockets: FunctionalExecutor runs it");
        }
    }

    /**
     * Runs body on rows [from, n), each row on its own: split between the host's cores when the rows hold at least
     * {@link #PARALLEL_ELEMENTS} values (a prompt's pass), else on the calling thread (a decode step's row costs less
     * than the hand-off). Each row gets the same operations either way, so the bits do not depend on the split.
     */
    private static void eachRow(int from, int n, int valuesPerRow, IntConsumer body) {
        if ((long) (n - from) * valuesPerRow < PARALLEL_ELEMENTS) {
            for (int i = from; i < n; i++) {
                body.accept(i);
            }
        } else {
            HostPool.parallelFor(n - from, (start, end) -> {
                for (int i = from + start; i < from + end; i++) {
                    body.accept(i);
                }
            });
        }
    }

    /** Each row's top experts by the router's scores of XB, with their weights, for the experts that follow. */
    private void route(Op.Router r, int n) {
        Tensor weight = memory.read(r.weight());
        float[][] scores = new float[n][(int) weight.dim(0)];
        MatVec.apply(weight, buffer(Activation.XB), n, scores);
        if (chosen.length < n || chosen[0].length != r.topK()) {
            chosen = new int[Math.max(n, rows)][r.topK()];
            routeWeights = new float[chosen.length][r.topK()];
        }
        for (int i = 0; i < n; i++) {
            Router.route(scores[i], r.topK(), r.normalizeTopK(), chosen[i], routeWeights[i]);
        }
    }

    /** The distinct experts the last router chose for any of the pass's first {@code n} rows, in increasing order. */
    List<Integer> chosenExperts(int n) {
        var distinct = new TreeSet<Integer>();
        for (int i = 0; i < n; i++) {
            for (int e : chosen[i]) {
                distinct.add(e);
            }
        }
        return List.copyOf(distinct);
    }

    /**
     * XB2 = each row's chosen experts' MLPs of XB, weighted. Expert by expert, only those some row chose: each one's
     * weights are read once, for all the rows that chose it.
     */
    private void experts(Op.Experts x, int n) {
        float[][] out = buffer(Activation.XB2);
        for (int i = 0; i < n; i++) {
            Arrays.fill(out[i], 0.0f);
        }
        for (int e = 0; e < x.weights().size(); e++) {
            List<Integer> routed = new ArrayList<>();
            List<Float> weights = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < chosen[i].length; j++) {
                    if (chosen[i][j] == e) {
                        routed.add(i);
                        weights.add(routeWeights[i][j]);
                    }
                }
            }
            if (routed.isEmpty()) {
                continue;
            }
            float[][] in = routed.stream().map(i -> buffer(Activation.XB)[i]).toArray(float[][]::new);
            float[][] expert = mlp(x.weights().get(e), in);
            for (int j = 0; j < routed.size(); j++) {
                addScaled(out[routed.get(j)], weights.get(j), expert[j]);
            }
        }
    }

    /** XB2 += sigmoid(gate . XB) * the shared expert's MLP of XB, row by row. */
    private void sharedExpert(Op.SharedExpert s, int n) {
        float[][] in = Arrays.copyOf(buffer(Activation.XB), n);
        float[][] gate = new float[n][1];
        MatVec.apply(memory.read(s.gate()), in, n, gate);
        float[][] expert = mlp(s.weights(), in);
        for (int i = 0; i < n; i++) {
            addScaled(buffer(Activation.XB2)[i], 1.0f / (1.0f + (float) Math.exp(-gate[i][0])), expert[i]);
        }
    }

    /** The gated MLP of each row of {@code in}, with the family's activation, into new rows. */
    private float[][] mlp(Mlp m, float[][] in) {
        int n = in.length;
        int width = (int) m.up().weight().dim(0);
        float[][] gate = new float[n][width];
        float[][] up = new float[n][width];
        float[][] out = new float[n][config.hiddenSize()];
        MatVec.apply(memory.read(m.gate().weight()), in, n, gate);
        MatVec.apply(memory.read(m.up().weight()), in, n, up);
        for (int i = 0; i < n; i++) {
            config.family().activation().gated(gate[i], up[i], width);
        }
        MatVec.apply(memory.read(m.down().weight()), gate, n, out);
        return out;
    }

    private static void addScaled(float[] into, float scale, float[] add) {
        for (int j = 0; j < into.length; j++) {
            into[j] += scale * add[j];
        }
    }
}
