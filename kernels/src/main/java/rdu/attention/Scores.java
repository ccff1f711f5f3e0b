package rdu.attention;

/**
 * How a query's scores against the cached keys are formed: q.k divided by {@code divisor} (sqrt(head_dim), or Gemma
 * 2's sqrt(query_pre_attn_scalar)), then soft-capped to (-softCap, softCap) (0: not capped), over the last
 * {@code window} positions up to the query's own (0: every position; sliding-window attention otherwise).
 */
public record Scores(float divisor, float softCap, int window) {

    public Scores {
        if (!(divisor > 0) || !(softCap >= 0) || Float.isInfinite(divisor) || Float.isInfinite(softCap) || window < 0) {
            throw new IllegalArgumentException("attention scores: divisor " + divisor + ", soft-cap " + softCap
                    + ", window " + window + " (expected a positive divisor, soft-cap >= 0, window >= 0)");
        }
    }

    /** Scores divided by sqrt(headDim), uncapped, over every position: Llama's (run.c's) attention. */
    public static Scores standard(int headDim) {
        return new Scores((float) Math.sqrt(headDim), 0, 0);
    }

    /** The first cached position a query at {@code pos} attends to. */
    public int first(int pos) {
        return window == 0 ? 0 : Math.max(0, pos - window + 1);
    }
}
