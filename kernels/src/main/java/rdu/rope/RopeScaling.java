package rdu.rope;

/**
 * Llama 3.x "llama3" RoPE frequency scaling (Hugging Face rope_scaling with rope_type "llama3"):
 * wavelengths longer than originalMaxPositions/lowFreqFactor are divided by factor, shorter than
 * originalMaxPositions/highFreqFactor are kept, and the band between is interpolated smoothly.
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {

    public RopeScaling {
        if (!(factor >= 1) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || originalMaxPositions <= 0) {
            throw new IllegalArgumentException("invalid llama3 rope_scaling: factor=" + factor + " low_freq_factor="
                    + lowFreqFactor + " high_freq_factor=" + highFreqFactor
                    + " original_max_position_embeddings=" + originalMaxPositions
                    + " (expected factor >= 1, 0 < low_freq_factor < high_freq_factor, original_max > 0)");
        }
    }
}
