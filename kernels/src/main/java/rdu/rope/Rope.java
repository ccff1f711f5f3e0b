package rdu.rope;

/**
 * Rotary position embedding of the first {@code dims} values of each head (all of them, or a fraction: partial
 * rotary): the inverse frequencies, computed in float as llama2.c run.c and transformers do, rescaled as the
 * checkpoint's {@link RopeScaling} says, and the rotation of q or k heads at a position.
 */
public final class Rope {

    private final int dims;
    private final double theta;
    private final RopeLayout layout;
    private final RopeScaling scaling;
    /** The frequencies of every position, or of the positions within the original context for dynamic and longrope. */
    private final float[] invFreq;
    /** LongRope's frequencies past the original context; null for the other scalings. */
    private final float[] longInvFreq;
    /** What cos and sin are multiplied by (yarn and longrope), else 1. */
    private final float attentionFactor;
    /** Dynamic NTK's frequencies of the last position past the original context, which q and k both rotate to. */
    private float[] dynamicInvFreq;
    private int dynamicPosition = -1;

    /** @param scaling null when the model uses plain RoPE */
    public Rope(int dims, double theta, RopeScaling scaling, RopeLayout layout) {
        if (dims <= 0 || dims % 2 != 0) {
            throw new IllegalArgumentException("rope: the rotated dimensions must be positive and even, found " + dims);
        }
        if (!(theta > 0) || Double.isInfinite(theta)) {
            throw new IllegalArgumentException("rope: rope_theta must be positive and finite, found " + theta);
        }
        if (layout == null) {
            throw new IllegalArgumentException("rope: layout must be INTERLEAVED or HALF, found null");
        }
        if (scaling instanceof RopeScaling.LongRope l && l.shortFactor().size() != dims / 2) {
            throw new IllegalArgumentException("rope: longrope needs one factor per rotated pair (" + dims / 2
                    + "), found " + l.shortFactor().size());
        }
        this.dims = dims;
        this.theta = theta;
        this.layout = layout;
        this.scaling = scaling;
        this.invFreq = new float[dims / 2];
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] = scaled(i, 1.0f / base(theta, i));
        }
        if (scaling instanceof RopeScaling.LongRope l) {
            longInvFreq = new float[dims / 2];
            for (int i = 0; i < longInvFreq.length; i++) {
                longInvFreq[i] = 1.0f / (l.longFactor().get(i).floatValue() * base(theta, i));
            }
        } else {
            longInvFreq = null;
        }
        this.attentionFactor = switch (scaling) {
            case RopeScaling.Yarn y -> (float) y.attentionFactor();
            case RopeScaling.LongRope l -> (float) l.attentionFactor();
            case null, default -> 1.0f;
        };
    }

    /** theta ^ (2i / dims) in float, as transformers' float32 tensors compute it. */
    private float base(double theta, int i) {
        return (float) Math.pow((float) theta, (2 * i) / (float) dims);
    }

    /** Frequency {@code freq} of pair i after the position-independent scalings. */
    private float scaled(int i, float freq) {
        return switch (scaling) {
            case null -> freq;
            case RopeScaling.Linear l -> freq / (float) l.factor();
            case RopeScaling.Llama3 s -> llama3(freq, s);
            case RopeScaling.Yarn y -> yarn(i, freq, y);
            case RopeScaling.LongRope l -> 1.0f / (l.shortFactor().get(i).floatValue() * base(theta, i));
            case RopeScaling.Dynamic d -> freq; // within the original context; past it, see frequencies()
        };
    }

    /** Transformers' _compute_llama3_parameters for one frequency, in float like its float32 tensors. */
    private static float llama3(float freq, RopeScaling.Llama3 s) {
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

    /** Transformers' _compute_yarn_parameters for pair i: interpolated, extrapolated, or ramped between. */
    private float yarn(int i, float freq, RopeScaling.Yarn y) {
        double low = correctionDim(y.betaFast(), y.originalMaxPositions());
        double high = correctionDim(y.betaSlow(), y.originalMaxPositions());
        if (y.truncate()) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, dims - 1);
        if (low == high) {
            high += 0.001; // as transformers does, against a division by zero
        }
        float ramp = Math.clamp((float) ((i - low) / (high - low)), 0.0f, 1.0f);
        float extrapolation = 1 - ramp;
        float interpolated = 1.0f / ((float) y.factor() * base(theta, i));
        return interpolated * (1 - extrapolation) + freq * extrapolation;
    }

    /** The dimension whose frequency turns {@code rotations} times over {@code positions} positions. */
    private double correctionDim(double rotations, int positions) {
        return dims * Math.log(positions / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
    }

    /** The inverse frequencies position {@code pos} rotates with (a sequence of pos + 1 tokens). */
    private float[] frequencies(int pos) {
        long length = pos + 1L;
        return switch (scaling) {
            case RopeScaling.LongRope l when length > l.originalMaxPositions() -> longInvFreq;
            case RopeScaling.Dynamic d when length > d.originalMaxPositions() -> dynamic(d, pos);
            case null, default -> invFreq;
        };
    }

    /** Transformers' _compute_dynamic_ntk_parameters for a sequence of pos + 1 tokens, kept for the next call. */
    private float[] dynamic(RopeScaling.Dynamic d, int pos) {
        if (pos != dynamicPosition) {
            double grown = theta * Math.pow(d.factor() * (pos + 1.0) / d.originalMaxPositions() - (d.factor() - 1),
                    dims / (dims - 2.0));
            float[] freq = new float[dims / 2];
            for (int i = 0; i < freq.length; i++) {
                freq[i] = 1.0f / base(grown, i);
            }
            dynamicInvFreq = freq;
            dynamicPosition = pos;
        }
        return dynamicInvFreq;
    }

    /** Inverse frequency of pair i at position {@code pos}, after scaling. */
    float invFreq(int i, int pos) {
        return frequencies(pos)[i];
    }

    /**
     * Rotates the first {@code dims} values of heads [0, heads) of v to position pos: head h starts at
     * v[offset + h * stride], and its values past {@code dims} keep no position.
     */
    public void rotate(float[] v, int offset, int heads, int stride, int pos) {
        if (offset < 0 || heads < 0 || pos < 0 || stride < dims
                || (heads > 0 && (long) offset + (long) (heads - 1) * stride + dims > v.length)) {
            throw new IllegalArgumentException("rope: " + heads + " heads of " + dims + " rotated values, " + stride
                    + " apart, at offset " + offset + ", position " + pos + " do not fit a vector of length "
                    + v.length);
        }
        float[] freq = frequencies(pos);
        int half = dims / 2;
        for (int i = 0; i < half; i++) {
            float angle = pos * freq[i];
            float cos = (float) Math.cos(angle) * attentionFactor;
            float sin = (float) Math.sin(angle) * attentionFactor;
            // INTERLEAVED pairs (2i, 2i+1); HALF pairs (i, i + dims/2).
            int first = layout == RopeLayout.INTERLEAVED ? 2 * i : i;
            int second = layout == RopeLayout.INTERLEAVED ? 2 * i + 1 : i + half;
            for (int h = 0; h < heads; h++) {
                int base = offset + h * stride;
                float v0 = v[base + first];
                float v1 = v[base + second];
                v[base + first] = v0 * cos - v1 * sin;
                v[base + second] = v0 * sin + v1 * cos;
            }
        }
    }
}
