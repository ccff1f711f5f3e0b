package rdu.executor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import rdu.graph.Activation;
import rdu.graph.Node;
import rdu.graph.Op;
import rdu.rope.RopeLayout;
import rdu.sampling.Sampler;
import rdu.schedule.Schedule;

/**
 * Runs a decode step for real on the host, over one or more sockets in lockstep: socket s runs operator i of its
 * schedule after every socket has run operator i-1, as tensor parallelism needs. Collectives add up or concatenate the
 * sockets' buffers (sockets in order, so results do not depend on threads); sampling reads the gathered logits.
 */
public final class FunctionalExecutor {

    private final List<List<Node>> nodes = new ArrayList<>();
    private final List<SocketExecutor> sockets = new ArrayList<>();
    private final int positions;
    private final Sampler sampler;
    private final float[] logits;
    /** The sampler may scale logits in place; it works on this copy so the logits stay as computed. */
    private final float[] samplingScratch;

    /**
     * @param schedules one per socket, of the same structure (socket s's tensor-parallel shard)
     * @param positions the positions this run may reach, at most the model's context: the host KV cache's bound
     */
    public FunctionalExecutor(List<Schedule> schedules, RopeLayout ropeLayout, Sampler sampler, int vocabSize,
                              int positions) {
        this.positions = positions;
        for (Schedule schedule : schedules) {
            // a looped call lists every layer's operators in turn
            nodes.add(schedule.calls().stream().flatMap(call -> call.nodes().stream()).toList());
            sockets.add(new SocketExecutor(schedule, ropeLayout, positions));
        }
        this.sampler = sampler;
        this.logits = new float[vocabSize];
        this.samplingScratch = new float[vocabSize];
    }

    /**
     * Runs one decode step: feeds {@code token} at position {@code pos}.
     * When {@code sample} is false (a prompt position whose successor is known) the sampling kernel is skipped,
     * as in llama2.c, so a seeded sampler draws the same numbers whatever the prompt length.
     *
     * @return the next token, or -1 when not sampled
     */
    public int step(int token, int pos, boolean sample) {
        if (pos < 0 || pos >= positions) {
            throw new IllegalArgumentException("position " + pos + " outside the " + positions + " positions of this run");
        }
        int next = -1;
        List<Node> plan = nodes.getFirst();
        for (int i = 0; i < plan.size(); i++) {
            switch (plan.get(i).op()) {
                case Op.AllReduce r -> allReduce(r.buffer());
                case Op.AllGather g -> gather(g.buffer());
                case Op.Sample s -> {
                    if (sockets.size() == 1) {
                        gather(Activation.LOGITS);
                    }
                    if (sample) {
                        System.arraycopy(logits, 0, samplingScratch, 0, logits.length);
                        next = sampler.sample(samplingScratch);
                    }
                }
                default -> {
                    for (int s = 0; s < sockets.size(); s++) {
                        sockets.get(s).execute(nodes.get(s).get(i).op(), token, pos);
                    }
                }
            }
        }
        return next;
    }

    /** The logits of the last step (read-only by convention: callers must not modify them). */
    public float[] logits() {
        return logits;
    }

    /** Every socket's buffer becomes the sum of all of them, added in socket order. */
    private void allReduce(Activation a) {
        float[] sum = sockets.getFirst().buffer(a); // summed in place: no allocation per layer and token
        for (int s = 1; s < sockets.size(); s++) {
            float[] part = sockets.get(s).buffer(a);
            for (int j = 0; j < sum.length; j++) {
                sum[j] += part[j];
            }
        }
        for (int s = 1; s < sockets.size(); s++) {
            System.arraycopy(sum, 0, sockets.get(s).buffer(a), 0, sum.length);
        }
    }

    /** The sockets' blocks of {@code a}, one after another, into the gathered logits. */
    private void gather(Activation a) {
        int offset = 0;
        for (SocketExecutor socket : sockets) {
            float[] block = socket.buffer(a);
            System.arraycopy(block, 0, logits, offset, block.length);
            offset += block.length;
        }
        if (offset != logits.length) {
            throw new IllegalStateException("gathered " + offset + " logits, expected " + logits.length
                    + ": " + Arrays.toString(sockets.stream().map(s -> s.buffer(a).length).toArray()));
        }
    }
}
