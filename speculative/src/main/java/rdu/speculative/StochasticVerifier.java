package rdu.speculative;

import java.util.random.RandomGenerator;

/**
 * Speculative sampling (Leviathan et al. 2023; Chen et al. 2023): accept draft token x with probability
 * min(1, p(x) / q(x)), where p is the target's and q the draft's distribution; on the first rejection draw
 * from max(0, p - q) normalised; if every draft token is accepted draw one more from p. Each committed token
 * is then distributed exactly as sampling the target alone would give, whatever the draft proposes.
 */
public final class StochasticVerifier implements Verifier {

    /** The probability of accepting a draft token the target gives p and the draft gave q. */
    @FunctionalInterface
    interface AcceptanceRule {
        double accept(double p, double q);
    }

    /** The rule that preserves the target's distribution; other rules exist only to test that they do not. */
    static final AcceptanceRule SPECULATIVE_SAMPLING = (p, q) -> Math.min(1.0, p / q);

    private final float temperature;
    private final RandomGenerator random;
    private final AcceptanceRule rule;

    /**
     * @param temperature the target's sampling temperature, above 0 (0 is greedy: use GreedyVerifier)
     * @param random the verifier's coin, seeded by the caller so runs repeat
     */
    public StochasticVerifier(float temperature, RandomGenerator random) {
        this(temperature, random, SPECULATIVE_SAMPLING);
    }

    StochasticVerifier(float temperature, RandomGenerator random, AcceptanceRule rule) {
        if (!(temperature > 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("stochastic verification: temperature must be finite and > 0, found "
                    + temperature);
        }
        this.temperature = temperature;
        this.random = random;
        this.rule = rule;
    }

    @Override
    public Verdict verify(float[][] logits, Draft draft) {
        for (int i = 0; i < draft.size(); i++) {
            float[] p = Distributions.softmax(logits[i], temperature);
            float[] q = draft.probabilities()[i];
            int x = draft.tokens()[i];
            if (random.nextDouble() < rule.accept(p[x], q[x])) {
                continue;
            }
            float[] residual = new float[p.length];
            for (int t = 0; t < p.length; t++) {
                residual[t] = Math.max(0.0f, p[t] - q[t]);
            }
            return new Verdict(i, Distributions.sample(residual, random));
        }
        float[] p = Distributions.softmax(logits[draft.size()], temperature);
        return new Verdict(draft.size(), Distributions.sample(p, random));
    }
}
