package rdu.rope;

import java.util.List;

/**
 * How a checkpoint rescales RoPE's frequencies to run past the context it was trained on (Hugging Face
 * {@code rope_scaling}, by its {@code rope_type}). {@code originalMaxPositions} is always the trained context.
 * Two kinds depend on the position: a position p rotates with the frequencies of a sequence of p + 1 tokens, and a
 * cached key keeps the rotation it was written with.
 */
public sealed interface RopeScaling {

    /** "linear" (position interpolation): every frequency divided by {@code factor}. */
    record Linear(double factor) implements RopeScaling {

        public Linear {
            require(factor >= 1, "linear", "factor " + factor + " (expected >= 1)");
        }
    }

    /**
     * "dynamic" (NTK-aware): past {@code originalMaxPositions} the base grows with the sequence length s, to
     * base * (factor * s / original - (factor - 1)) ^ (dims / (dims - 2)). Depends on the position.
     */
    record Dynamic(double factor, int originalMaxPositions) implements RopeScaling {

        public Dynamic {
            require(factor >= 1 && originalMaxPositions > 0, "dynamic", "factor " + factor
                    + " original_max_position_embeddings " + originalMaxPositions
                    + " (expected factor >= 1, original > 0)");
        }
    }

    /**
     * "yarn": frequencies that turn fewer than {@code betaSlow} times over the original context are divided by
     * {@code factor}, those turning more than {@code betaFast} times are kept, a linear ramp between (over whole
     * dimensions when {@code truncate}); cos and sin are multiplied by {@code attentionFactor}.
     */
    record Yarn(double factor, int originalMaxPositions, double betaFast, double betaSlow, double attentionFactor,
                boolean truncate) implements RopeScaling {

        public Yarn {
            require(factor >= 1 && originalMaxPositions > 0 && betaFast > betaSlow && betaSlow > 0
                    && attentionFactor > 0, "yarn", "factor " + factor + " original_max_position_embeddings "
                    + originalMaxPositions + " beta_fast " + betaFast + " beta_slow " + betaSlow
                    + " attention_factor " + attentionFactor
                    + " (expected factor >= 1, original > 0, beta_fast > beta_slow > 0, attention_factor > 0)");
        }
    }

    /**
     * "llama3" (Llama 3.x): wavelengths longer than originalMaxPositions / lowFreqFactor are divided by factor,
     * shorter than originalMaxPositions / highFreqFactor are kept, and the band between is interpolated smoothly.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions)
            implements RopeScaling {

        public Llama3 {
            require(factor >= 1 && lowFreqFactor > 0 && highFreqFactor > lowFreqFactor && originalMaxPositions > 0,
                    "llama3", "factor=" + factor + " low_freq_factor=" + lowFreqFactor + " high_freq_factor="
                            + highFreqFactor + " original_max_position_embeddings=" + originalMaxPositions
                            + " (expected factor >= 1, 0 < low_freq_factor < high_freq_factor, original_max > 0)");
        }
    }

    /**
     * "longrope" (Phi-3, also "su"): frequency i divided by shortFactor[i] while the sequence fits the original
     * context, by longFactor[i] beyond it; cos and sin are multiplied by {@code attentionFactor}. Depends on the
     * position.
     */
    record LongRope(List<Double> shortFactor, List<Double> longFactor, int originalMaxPositions,
                    double attentionFactor) implements RopeScaling {

        public LongRope {
            shortFactor = List.copyOf(shortFactor);
            longFactor = List.copyOf(longFactor);
            require(shortFactor.size() == longFactor.size() && originalMaxPositions > 0 && attentionFactor > 0,
                    "longrope", "short_factor of " + shortFactor.size() + " and long_factor of " + longFactor.size()
                            + " values, original_max_position_embeddings " + originalMaxPositions
                            + ", attention_factor " + attentionFactor
                            + " (expected as many short as long factors, original > 0, attention_factor > 0)");
        }
    }

    private static void require(boolean valid, String type, String what) {
        if (!valid) {
            throw new IllegalArgumentException("invalid " + type + " rope_scaling: " + what);
        }
    }
}
