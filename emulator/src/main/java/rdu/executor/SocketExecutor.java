package rdu.executor;

import java.util.EnumMap;
import java.util.Map;
import rdu.activation.Residual;
import rdu.activation.SoftCap;
import rdu.attention.Attention;
import rdu.attention.KvCache;
import rdu.embedding.Embedding;
import rdu.family.Family;
import rdu.graph.Activation;
import rdu.graph.Op;
import rdu.matmul.Bias;
import rdu.matmul.MatVec;
import rdu.memory.SocketMemory;
import rdu.model.ModelConfig;
import rdu.norm.LayerNorm;
import rdu.norm.RmsNorm;
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

    /** No Mixture-of-Experts checkpoint loads: their graphs are built from config.json alone, for timing. */
    private static final String MOE_IS_TIMING_ONLY = "Mixture-of-Experts models run in timing-only mode (rdu simulate)";

    private final ModelConfig config;
    private final SocketMemory memory;
    /** Each buffer as rows [position in the pass][value]; as many rows as the widest pass so far. */
    private final Map<Activation, float[][]> buffers = new EnumMap<>(Activation.class);
    private int rows;
    private final KvCache kvCache;
    /** Null when positions are learned embeddings, not rotations. */
    private final Rope rope;

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

    /** Makes room for a pass over n positions: buffers grow to the widest pass and stay, so passes allocate nothing. */
    void reserve(int n) {
        if (n > rows) {
            for (Activation a : Activation.values()) {
                buffers.put(a, new float[n][a.size(config)]);
            }
            rows = n;
        }
    }

    /** Buffer {@code a}, row i for position startPos + i of the current pass (rows past the pass are stale). */
    float[][] buffer(Activation a) {
        return buffers.get(a);
    }

    /**
     * Runs one operator that stays within the socket over the pass's n positions: tokens[i] at position startPos + i.
     * Attention of row i covers cache positions 0..startPos + i: the pass's KvWrite has stored every row before.
     */
    void execute(Op op, int[] tokens, int startPos, int n) {
        switch (op) {
            case Op.Embed e -> {
                Tensor table = memory.read(e.table());
                for (int i = 0; i < n; i++) {
                    Embedding.lookup(table, tokens[i], buffer(Activation.X)[i], e.scale());
                }
            }
            case Op.PositionEmbed p -> {
                Tensor table = memory.read(p.table());
                for (int i = 0; i < n; i++) {
                    Embedding.add(table, startPos + i, buffer(Activation.X)[i]);
                }
            }
            case Op.RmsNorm r -> {
                Tensor weight = memory.read(r.weight());
                for (int i = 0; i < n; i++) {
                    RmsNorm.apply(buffer(r.out())[i], buffer(r.in())[i], weight, r.eps(), r.onePlusWeight());
                }
            }
            case Op.LayerNorm r -> {
                Tensor weight = memory.read(r.weight());
                Tensor bias = memory.read(r.bias());
                for (int i = 0; i < n; i++) {
                    LayerNorm.apply(buffer(r.out())[i], buffer(r.in())[i], weight, bias, r.eps());
                }
            }
            case Op.MatVec m -> MatVec.apply(memory.read(m.weight()), buffer(m.in()), n, buffer(m.out()));
            case Op.BiasAdd b -> {
                Tensor bias = memory.read(b.bias());
                for (int i = 0; i < n; i++) {
                    Bias.add(buffer(b.target())[i], bias);
                }
            }
            case Op.Rope r -> {
                for (int i = 0; i < n; i++) {
                    rope.rotate(buffer(r.target())[i], 0, r.heads(), config.headDim(), startPos + i);
                }
            }
            case Op.KvWrite w -> {
                for (int i = 0; i < n; i++) {
                    kvCache.store(w.layer(), startPos + i, buffer(Activation.K)[i], buffer(Activation.V)[i]);
                }
            }
            case Op.Attention a when a.latent() != null -> throw new UnsupportedOperationException(
                    "Multi-head Latent Attention models run in timing-only mode (rdu simulate)");
            case Op.Attention a -> {
                for (int i = 0; i < n; i++) {
                    Attention.apply(buffer(Activation.ATTN)[i], buffer(Activation.Q)[i], kvCache, a.layer(),
                            startPos + i, config.numHeads(), config.numKvHeads(), config.headDim(), a.scores());
                }
            }
            case Op.Glu g -> {
                for (int i = 0; i < n; i++) {
                    g.function().gated(buffer(g.gate())[i], buffer(g.up())[i], g.gate().size(config));
                }
            }
            case Op.Activate a -> {
                for (int i = 0; i < n; i++) {
                    a.function().apply(buffer(a.target())[i], a.target().size(config));
                }
            }
            case Op.SoftCap c -> {
                for (int i = 0; i < n; i++) {
                    SoftCap.apply(buffer(c.target())[i], c.target().size(config), c.cap());
                }
            }
            case Op.Residual r -> {
                for (int i = 0; i < n; i++) {
                    Residual.add(buffer(r.into())[i], buffer(r.add())[i]);
                }
            }
            case Op.Router r -> throw new UnsupportedOperationException(MOE_IS_TIMING_ONLY);
            case Op.Experts x -> throw new UnsupportedOperationException(MOE_IS_TIMING_ONLY);
            case Op.AllReduce r -> throw new IllegalStateException("collectives span sockets: FunctionalExecutor runs them");
            case Op.AllGather g -> throw new IllegalStateException("collectives span sockets: FunctionalExecutor runs them");
            case Op.Sample s -> throw new IllegalStateException("sampling spans sockets: FunctionalExecutor runs it");
        }
    }
}
