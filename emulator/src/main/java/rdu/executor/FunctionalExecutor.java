package rdu.executor;

import java.util.EnumMap;
import java.util.Map;
import rdu.attention.Attention;
import rdu.attention.KvCache;
import rdu.embedding.Embedding;
import rdu.graph.Activation;
import rdu.graph.Node;
import rdu.graph.Op;
import rdu.matmul.MatVec;
import rdu.memory.SocketMemory;
import rdu.model.ModelConfig;
import rdu.norm.RmsNorm;
import rdu.activation.Residual;
import rdu.activation.SwiGlu;
import rdu.rope.Rope;
import rdu.rope.RopeLayout;
import rdu.sampling.Sampler;
import rdu.schedule.KernelCall;
import rdu.schedule.Schedule;

/**
 * Runs a decode schedule for real on the host: every operator of every kernel call executes its SIMD kernel
 * on the activation buffers, reading weights through their HBM placements. Holds the state the chip holds
 * between steps: activation buffers (PMUs) and the KV cache (HBM).
 */
public final class FunctionalExecutor {

    private final ModelConfig config;
    private final Schedule schedule;
    private final SocketMemory memory;
    private final Map<Activation, float[]> buffers = new EnumMap<>(Activation.class);
    private final KvCache kvCache;
    private final Rope rope;
    private final Sampler sampler;
    /** The sampler may scale logits in place; it works on this copy so LOGITS stays as computed. */
    private final float[] samplingScratch;

    public FunctionalExecutor(Schedule schedule, RopeLayout ropeLayout, Sampler sampler) {
        ModelConfig config = schedule.config();
        this.config = config;
        this.schedule = schedule;
        this.memory = schedule.memory();
        for (Activation a : Activation.values()) {
            buffers.put(a, new float[a.size(config)]);
        }
        this.kvCache = new KvCache(config.numLayers(), config.maxPositions(), config.kvDim());
        this.rope = new Rope(config.headDim(), config.ropeTheta(), config.ropeScaling(), ropeLayout);
        this.sampler = sampler;
        this.samplingScratch = new float[config.vocabSize()];
    }

    /**
     * Runs one decode step: feeds {@code token} at position {@code pos}.
     * When {@code sample} is false (a prompt position whose successor is known) the sampling kernel is skipped,
     * as in llama2.c, so a seeded sampler draws the same numbers whatever the prompt length.
     *
     * @return the next token, or -1 when not sampled
     */
    public int step(int token, int pos, boolean sample) {
        if (pos < 0 || pos >= config.maxPositions()) {
            throw new IllegalArgumentException("position " + pos + " outside the context of " + config.maxPositions());
        }
        int next = -1;
        for (KernelCall call : schedule.calls()) {
            for (Node node : call.nodes()) { // a looped call lists every layer's operators in turn
                if (node.op() instanceof Op.Sample) {
                    if (sample) {
                        next = sampleNext();
                    }
                } else {
                    execute(node.op(), token, pos);
                }
            }
        }
        return next;
    }

    /** The logits of the last step (read-only by convention: callers must not modify them). */
    public float[] logits() {
        return buffers.get(Activation.LOGITS);
    }

    private void execute(Op op, int token, int pos) {
        switch (op) {
            case Op.Embed e -> Embedding.lookup(memory.read(e.table()), token, buf(Activation.X));
            case Op.RmsNorm n -> RmsNorm.apply(buf(n.out()), buf(n.in()), memory.read(n.weight()), n.eps());
            case Op.MatVec m -> MatVec.apply(memory.read(m.weight()), buf(m.in()), buf(m.out()));
            case Op.Rope r -> rope.rotate(buf(r.target()), 0, r.heads(), pos);
            case Op.KvWrite w -> kvCache.store(w.layer(), pos, buf(Activation.K), buf(Activation.V));
            case Op.Attention a -> Attention.apply(buf(Activation.ATTN), buf(Activation.Q), kvCache, a.layer(), pos,
                    config.numHeads(), config.numKvHeads(), config.headDim());
            case Op.SwiGlu s -> SwiGlu.apply(buf(s.gate()), buf(s.up()), config.intermediateSize());
            case Op.Residual r -> Residual.add(buf(r.into()), buf(r.add()));
            case Op.Sample s -> throw new IllegalStateException("sampling is handled by step()");
            case Op.AllReduce r -> throw new IllegalStateException("the functional executor runs one socket's"
                    + " whole model; tensor-parallel schedules are timing-only");
        }
    }

    private int sampleNext() {
        float[] logits = buf(Activation.LOGITS);
        System.arraycopy(logits, 0, samplingScratch, 0, logits.length);
        return sampler.sample(samplingScratch);
    }

    private float[] buf(Activation a) {
        return buffers.get(a);
    }
}
