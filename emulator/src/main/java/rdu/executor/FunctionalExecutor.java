package rdu.executor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import rdu.graph.Activation;
import rdu.graph.Node;
import rdu.graph.Op;
import rdu.graph.Part;
import rdu.moe.ChosenExperts;
import rdu.rope.RopeLayout;
import rdu.schedule.Schedule;

/**
 * Runs forward passes for real on the host, over one or more sockets in lockstep: socket s runs operator i of its
 * schedule after every socket has run operator i-1, as tensor parallelism needs. A pass feeds n >= 1 tokens at
 * consecutive positions through every layer together (weights read once per pass, attention causal), so prefill is one
 * pass and a decode step a pass of one. Collectives add up or concatenate the sockets' buffers row by row (sockets in
 * order, so results do not depend on threads). Each row's logits have the bits it gets when its position runs alone.
 */
public final class FunctionalExecutor {

    private final List<List<Node>> nodes = new ArrayList<>();
    private final List<SocketExecutor> sockets = new ArrayList<>();
    private final int positions;
    private final int vocabSize;
    /** Gathered logits: row i for the pass's i-th row of logits (of its last logitRows positions). */
    private float[][] logits;
    /** The experts the last pass's routers chose, for the timing of that pass. */
    private ChosenExperts chosen = ChosenExperts.NONE;

    /**
     * @param schedules one per socket, of the same structure (socket s's tensor-parallel shard)
     * @param positions the positions this run may reach, at most the model's context: the host KV cache's bound
     */
    public FunctionalExecutor(List<Schedule> schedules, RopeLayout ropeLayout, int vocabSize, int positions) {
        this.positions = positions;
        for (Schedule schedule : schedules) {
            // a looped call lists every layer's operators in turn
            nodes.add(schedule.calls().stream().flatMap(call -> call.nodes().stream()).toList());
            sockets.add(new SocketExecutor(schedule, ropeLayout, positions));
        }
        this.vocabSize = vocabSize;
        this.logits = new float[1][vocabSize];
    }

    /**
     * Runs one pass: tokens[i] at position startPos + i, for every i, writing all their keys and values to the KV
     * cache; position startPos + i attends to cache positions 0..startPos + i. Nothing is sampled.
     *
     * @return one row of logits per token: row i scores the token that follows tokens[i]. The rows are the executor's
     *         buffers, overwritten by the next pass: copy what must outlive it.
     */
    public float[][] forward(int[] tokens, int startPos) {
        return forward(tokens, startPos, tokens.length);
    }

    /**
     * As {@link #forward(int[], int)}, with logits for the last {@code logitRows} tokens only (0 to all of them): the
     * final norm and the classifier skip the other rows, as a prefill needs only its last position's logits and the
     * classifier is the largest matrix of a small model. Those rows' logits have the same bits as in a whole pass.
     *
     * @return logitRows rows: row i scores the token that follows tokens[n - logitRows + i]
     */
    public float[][] forward(int[] tokens, int startPos, int logitRows) {
        int n = tokens.length;
        if (n == 0) {
            throw new IllegalArgumentException("a forward pass needs at least one token, found none");
        }
        if (startPos < 0 || (long) startPos + n > positions) {
            throw new IllegalArgumentException((n == 1 ? "position " + startPos
                    : "positions " + startPos + " to " + ((long) startPos + n - 1))
                    + " outside the " + positions + " positions of this run");
        }
        if (logitRows < 0 || logitRows > n) {
            throw new IllegalArgumentException("logits asked for the last " + logitRows + " of a pass's " + n
                    + " positions, expected 0 to " + n);
        }
        if (logitRows > logits.length) {
            logits = new float[logitRows][vocabSize];
        }
        for (SocketExecutor socket : sockets) {
            socket.reserve(n);
        }
        List<Node> plan = nodes.getFirst();
        Map<Integer, List<Integer>> routed = null; // a dense model's pass allocates no map
        for (int i = 0; i < plan.size(); i++) {
            // the classifier and sampling run on the rows whose logits are returned, every other part on all rows
            Part part = plan.get(i).part();
            int from = part == Part.CLASSIFIER || part == Part.SAMPLING ? n - logitRows : 0;
            if (from == n) {
                continue;
            }
            switch (plan.get(i).op()) {
                case Op.AllReduce r -> allReduce(r.buffer(), from, n);
                case Op.AllGather g -> gather(g.buffer(), from, n);
                case Op.Sample s -> {
                    if (sockets.size() == 1) {
                        gather(Activation.LOGITS, from, n);
                    }
                }
                default -> {
                    for (int s = 0; s < sockets.size(); s++) {
                        sockets.get(s).execute(nodes.get(s).get(i).op(), tokens, startPos, from, n);
                    }
                }
            }
            if (plan.get(i).op() instanceof Op.Router) {
                // every socket holds the whole router and routes alike
                routed = routed == null ? new HashMap<>() : routed;
                routed.put(plan.get(i).layer(), sockets.getFirst().chosenExperts(n));
            }
        }
        chosen = routed == null ? ChosenExperts.NONE : new ChosenExperts(routed);
        return Arrays.copyOf(logits, logitRows);
    }

    /**
     * The experts each Mixture-of-Experts layer's router chose for any token of the last pass ({@link
     * ChosenExperts#NONE} for a dense model): the experts whose weights that pass read.
     */
    public ChosenExperts chosenExperts() {
        return chosen;
    }

    /** Every socket's rows [from, n) of {@code a} become the sum of all of them, added in socket order. */
    private void allReduce(Activation a, int from, int n) {
        for (int row = from; row < n; row++) {
            float[] sum = sockets.getFirst().buffer(a)[row]; // summed in place: no allocation per layer and pass
            for (int s = 1; s < sockets.size(); s++) {
                float[] part = sockets.get(s).buffer(a)[row];
                for (int j = 0; j < sum.length; j++) {
                    sum[j] += part[j];
                }
            }
            for (int s = 1; s < sockets.size(); s++) {
                System.arraycopy(sum, 0, sockets.get(s).buffer(a)[row], 0, sum.length);
            }
        }
    }

    /** The sockets' blocks of {@code a}, one after another, rows [from, n) into gathered rows [0, n - from). */
    private void gather(Activation a, int from, int n) {
        for (int row = from; row < n; row++) {
            int offset = 0;
            for (SocketExecutor socket : sockets) {
                float[] block = socket.buffer(a)[row];
                System.arraycopy(block, 0, logits[row - from], offset, block.length);
                offset += block.length;
            }
            if (offset != vocabSize) {
                int failed = row;
                throw new IllegalStateException("gathered " + offset + " logits, expected " + vocabSize
                        + ": " + Arrays.toString(sockets.stream().map(s -> s.buffer(a)[failed].length).toArray()));
            }
        }
    }
}
