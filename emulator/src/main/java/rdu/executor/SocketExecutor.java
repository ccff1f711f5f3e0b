package rdu.executor;

import java.util.EnumMap;
import java.util.Map;
import rdu.activation.Residual;
import rdu.activation.SwiGlu;
import rdu.attention.Attention;
import rdu.attention.KvCache;
import rdu.embedding.Embedding;
import rdu.graph.Activation;
import rdu.graph.Op;
import rdu.matmul.MatVec;
import rdu.memory.SocketMemory;
import rdu.model.ModelConfig;
import rdu.norm.RmsNorm;
import rdu.rope.Rope;
import rdu.rope.RopeLayout;
import rdu.schedule.Schedule;

/**
 * One socket running its schedule for real: each operator executes its SIMD kernel on the socket's activation
 * buffers, reading weights through their placements in the socket's memory. Holds the state the socket holds between
 * steps: activation buffers (PMUs) and its part of the KV cache (HBM). Collectives and sampling span sockets, so
 * {@link FunctionalExecutor} runs those.
 */
final class SocketExecutor {

    /** No Mixture-of-Experts checkpoint loads: their graphs are built from config.json alone, for timing. */
    private static final String MOE_IS_TIMING_ONLY = "Mixture-of-Experts models run in timing-only mode (rdu simulate)";

    private final ModelConfig config;
    private final SocketMemory memory;
    private final Map<Activation, float[]> buffers = new EnumMap<>(Activation.class);
    private final KvCache kvCache;
    private final Rope rope;

    /** @param positions the positions the run may reach: the host KV cache's bound */
    SocketExecutor(Schedule schedule, RopeLayout ropeLayout, int positions) {
        this.config = schedule.config();
        this.memory = schedule.memory();
        for (Activation a : Activation.values()) {
            buffers.put(a, new float[a.size(config)]);
        }
        this.kvCache = new KvCache(config.numLayers(), positions, config.kvDim());
        this.rope = new Rope(config.headDim(), config.ropeTheta(), config.ropeScaling(), ropeLayout);
    }

    float[] buffer(Activation a) {
        return buffers.get(a);
    }

    /** Runs one operator that stays within the socket. */
    void execute(Op op, int token, int pos) {
        switch (op) {
            case Op.Embed e -> Embedding.lookup(memory.read(e.table()), token, buffer(Activation.X));
            case Op.RmsNorm n -> RmsNorm.apply(buffer(n.out()), buffer(n.in()), memory.read(n.weight()), n.eps());
            case Op.MatVec m -> MatVec.apply(memory.read(m.weight()), buffer(m.in()), buffer(m.out()));
            case Op.Rope r -> rope.rotate(buffer(r.target()), 0, r.heads(), pos);
            case Op.KvWrite w -> kvCache.store(w.layer(), pos, buffer(Activation.K), buffer(Activation.V));
            case Op.Attention a when a.latent() != null -> throw new UnsupportedOperationException(
                    "Multi-head Latent Attention models run in timing-only mode (rdu simulate)");
            case Op.Attention a -> Attention.apply(buffer(Activation.ATTN), buffer(Activation.Q), kvCache, a.layer(),
                    pos, config.numHeads(), config.numKvHeads(), config.headDim());
            case Op.SwiGlu s -> SwiGlu.apply(buffer(s.gate()), buffer(s.up()), config.intermediateSize());
            case Op.Residual r -> Residual.add(buffer(r.into()), buffer(r.add()));
            case Op.Router r -> throw new UnsupportedOperationException(MOE_IS_TIMING_ONLY);
            case Op.Experts x -> throw new UnsupportedOperationException(MOE_IS_TIMING_ONLY);
            case Op.AllReduce r -> throw new IllegalStateException("collectives span sockets: FunctionalExecutor runs them");
            case Op.AllGather g -> throw new IllegalStateException("collectives span sockets: FunctionalExecutor runs them");
            case Op.Sample s -> throw new IllegalStateException("sampling spans sockets: FunctionalExecutor runs it");
        }
    }
}
