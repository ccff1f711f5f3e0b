package rdu.rope;

/**
 * Rotary position embedding for one head size: the inverse frequencies, computed once in float as llama2.c
 * run.c does (optionally rescaled by the Llama 3 rule), and the rotation of q or k heads at a position.
 */
public final class Rope {

    private final int headDim;
    private final RopeLayout layout;
    private final float[] invFreq;

    public Rope(int headDim, double theta, RopeScaling scaling, RopeLayout layout) {
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("rope: head_dim must be positive and even, found " + headDim);
        }
        if (!(theta > 0) || Double.isInfinite(theta)) {
            throw new IllegalArgumentException("rope: rope_theta must be positive and finite, found " + theta);
        }
        if (layout == null) {
            throw new IllegalArgumentException("rope: layout must be INTERLEAVED or HALF, found null");
        }
        this.headDim = headDim;
        this.layout = layout;
        this.invFreq = new float[headDim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            float freq = 1.0f / (float) Math.pow((float) theta, (2 * i) / (float) headDim);
            invFreq[i] = scaling == null ? freq : llama3(freq, scaling);
        }
    }

    /** Transformers' _compute_llama3_parameters for one frequency, in float like its float32 tensors. */
    private static float llama3(float freq, RopeScaling s) {
        float factor = (float) s.factor();
        float low = (float) s.lowFreqFactor();
        float high = (float) s.highFreqFactor();
        float original = s.originalMaxPositions();
        float wavelen = (float) (2 * Math.PI) / freq;
        if (wavelen > original / low) {
            return freq / factor;
        }
        if (wavelen < original / high) {
            return freq;
        }
        float smooth = (original / wavelen - low) / (high - low);
        return (1 - smooth) * freq / factor + smooth * freq;
    }

    /** Inverse frequency of pair i, after scaling. */
    float invFreq(int i) {
        return invFreq[i];
    }

    /** Rotates heads [0, heads) of v, head h at v[offset + h*headDim ...], to position pos. */
    public void rotate(float[] v, int offset, int heads, int pos) {
        if (offset < 0 || heads < 0 || pos < 0 || (long) offset + (long) heads * headDim > v.length) {
            throw new IllegalArgumentException("rope: " + heads + " heads of " + headDim + " at offset " + offset
                    + ", position " + pos + " do not fit a vector of length " + v.length);
        }
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            float angle = pos * invFreq[i];
            float cos = (float) Math.cos(angle);
            float sin = (float) Math.sin(angle);
            // INTERLEAVED pairs (2i, 2i+1); HALF pairs (i, i + headDim/2).
            int first = layout == RopeLayout.INTERLEAVED ? 2 * i : i;
            int second = layout == RopeLayout.INTERLEAVED ? 2 * i + 1 : i + half;
            for (int h = 0; h < heads; h++) {
                int base = offset + h * headDim;
                float v0 = v[base + first];
                float v1 = v[base + second];
                v[base + first] = v0 * cos - v1 * sin;
                v[base + second] = v0 * sin + v1 * cos;
            }
        }
    }
}
