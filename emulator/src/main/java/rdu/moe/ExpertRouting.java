package rdu.moe;

import java.util.Arrays;

/**
 * How a router spreads tokens over the E experts of a Mixture-of-Experts layer, for the timing model: the experts a
 * batch touches set the expert bytes a step streams. Tokens route independently of each other, each to its top k of
 * the E experts. Only modeled time depends on this, and only in a timing-only run, which has no router scores to
 * route by: a run on a checkpoint's weights (Mixtral, Qwen2-MoE) streams the experts its router really chose in each
 * pass ({@link ChosenExperts}).
 * <ul>
 * <li>uniform ({@link #UNIFORM}, zipfExponent 0): every expert equally likely. One token misses a given expert with
 *     probability 1 - k/E, so B tokens touch <pre>D(B) = E * (1 - (1 - k/E)^B)</pre> distinct experts in
 *     expectation: D(1) = k, and D grows towards E with the batch.
 * <li>Zipf with exponent s &gt; 0: expert i (1-based) is a token's pick with probability
 *     p_i = i^-s / H, H = sum over j of j^-s. A token's k picks are distinct experts, drawn without replacement; that
 *     is approximated by m independent draws with replacement from p, with m &gt;= k the real number for which the
 *     expected number of distinct experts drawn is k. The token then includes expert i with probability
 *     <pre>q_i = 1 - (1 - p_i)^m,  sum over i of q_i = k</pre>
 *     exact for k = 1 (m = 1, q = p) and for s = 0 (q_i = k/E), and within a few percent of successive sampling
 *     without replacement for k &gt; 1. Then <pre>D(B) = sum over i of 1 - (1 - q_i)^B</pre> lower than uniform's:
 *     the popular experts are shared by many tokens.
 * </ul>
 * Expert parallelism places whole experts on sockets in index order, {@code held} per socket, so under Zipf the first
 * socket holds the most popular experts and is the busiest. It touches
 * <pre>D_1(B) = sum over i &lt;= held of 1 - (1 - q_i)^B</pre> experts (uniform: D(B) * held / E) and handles
 * <pre>P_1 = B * sum over i &lt;= held of q_i</pre> token-expert pairs (uniform: B * k * held / E), both above an even
 * share. Tensor parallelism (each socket holds a slice of every expert) touches D(B) on every socket.
 *
 * @param zipfExponent s: 0 for uniform routing, else in (0, {@link #MAX_EXPONENT}]
 */
public record ExpertRouting(double zipfExponent) {

    /** Every expert equally likely: the closed forms above, as the timing model has always assumed. */
    public static final ExpertRouting UNIFORM = new ExpertRouting(0);

    /**
     * The largest Zipf exponent: the first expert then takes 1/zeta(10) = 99.9% of the picks already, and larger ones
     * would push the least popular experts' probabilities towards underflow.
     */
    public static final double MAX_EXPONENT = 10;

    public ExpertRouting {
        if (!(zipfExponent >= 0 && zipfExponent <= MAX_EXPONENT)) {
            throw new IllegalArgumentException("the Zipf exponent must be in [0, " + (int) MAX_EXPONENT
                    + "] (0: uniform), found " + zipfExponent);
        }
    }

    /**
     * {@code uniform} or {@code zipf:S}.
     *
     * @throws IllegalArgumentException naming what was expected and what was found
     */
    public static ExpertRouting parse(String text) {
        if (text.equals("uniform")) {
            return UNIFORM;
        }
        if (text.startsWith("zipf:")) {
            String exponent = text.substring("zipf:".length());
            try {
                double s = Double.parseDouble(exponent);
                if (s > 0 && s <= MAX_EXPONENT) {
                    return new ExpertRouting(s);
                }
            } catch (NumberFormatException notANumber) {
                // reported below with the other bad exponents
            }
            throw new IllegalArgumentException("expected zipf:S with S a number in (0, " + (int) MAX_EXPONENT
                    + "] (uniform for no skew), found \"" + text + "\"");
        }
        throw new IllegalArgumentException("expected uniform or zipf:S with S in (0, " + (int) MAX_EXPONENT
                + "], found \"" + text + "\"");
    }

    public boolean isUniform() {
        return zipfExponent == 0;
    }

    /** As {@link #parse} reads it. */
    @Override
    public String toString() {
        return isUniform() ? "uniform" : "zipf:" + zipfExponent;
    }

    /** D(B): the expected distinct experts {@code tokens} tokens touch, each routed to {@code topK} of them. */
    public double distinctExperts(int experts, int topK, int tokens) {
        return busiestSocket(experts, topK, tokens, experts).experts();
    }

    /**
     * What the busiest socket does when each socket holds {@code held} of the {@code experts}. A socket holding all of
     * them (tensor parallelism: a slice of each) touches D(B); one holding whole experts (expert parallelism) touches
     * the first socket's D_1(B), rounded up to whole experts: at batch 1 a socket streams a whole expert while most
     * stream none. Its token-expert pairs are P_1, but at least one per touched expert.
     */
    public ExpertLoad busiestSocket(int experts, int topK, int tokens, int held) {
        if (experts < 1 || topK < 1 || topK > experts || tokens < 1) {
            throw new IllegalArgumentException("need 1 <= topK <= experts and tokens >= 1, found experts " + experts
                    + ", topK " + topK + ", tokens " + tokens);
        }
        if (held < 1 || held > experts) {
            throw new IllegalArgumentException("held experts must be in [1, " + experts + "], found " + held);
        }
        double touched;
        double pairs;
        if (isUniform()) {
            double distinct = experts * (1 - Math.pow(1 - (double) topK / experts, tokens));
            touched = held == experts ? distinct : Math.min(held, Math.ceil(distinct * held / experts));
            pairs = (double) tokens * topK * held / experts;
        } else {
            double[] q = inclusion(experts, topK);
            double expected = 0; // D_1(B), or D(B) when the socket holds every expert
            pairs = 0;
            for (int i = 0; i < held; i++) {
                expected += 1 - StrictMath.pow(1 - q[i], tokens);
                pairs += q[i];
            }
            pairs *= tokens;
            touched = held == experts ? expected : Math.min(held, Math.ceil(expected));
        }
        return new ExpertLoad(touched, Math.max(touched, pairs));
    }

    /**
     * q_i, the probability that one token routes to expert i+1 under Zipf routing. m solves sum q_i(m) = k by
     * Newton's method from m = k, where the sum is at most k: the sum is concave and increasing in m, so every step
     * stays below the root and the iterates rise to it; they stop when rounding stops them rising. StrictMath keeps
     * the figures the same on every host.
     */
    double[] inclusion(int experts, int topK) {
        double[] q = new double[experts];
        if (topK == experts) {
            Arrays.fill(q, 1);
            return q;
        }
        double total = 0;
        for (int i = 0; i < experts; i++) {
            total += StrictMath.pow(i + 1, -zipfExponent);
        }
        double[] logMiss = new double[experts]; // ln(1 - p_i)
        for (int i = 0; i < experts; i++) {
            logMiss[i] = StrictMath.log1p(-StrictMath.pow(i + 1, -zipfExponent) / total);
        }
        double m = topK;
        for (int step = 0; step < 1000; step++) { // a few dozen steps at most; the bound only guards the loop
            double sum = 0;
            double slope = 0;
            for (double l : logMiss) {
                double miss = StrictMath.exp(m * l);
                sum += 1 - miss;
                slope -= miss * l;
            }
            double next = m + (topK - sum) / slope;
            if (!(next > m)) {
                break;
            }
            m = next;
        }
        for (int i = 0; i < experts; i++) {
            q[i] = -StrictMath.expm1(m * logMiss[i]);
        }
        return q;
    }
}
