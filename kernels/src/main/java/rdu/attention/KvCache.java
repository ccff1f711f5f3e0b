package rdu.attention;

import java.util.Arrays;

/**
 * The KV memory: keys and values of every layer at every position written so far, [positions, kvDim] per
 * layer. Mutable, like the hardware memory it stands for. A cache of at most {@link #WHOLE_BYTES} holds every
 * position it may reach from the start; a larger one grows (doubling) with the positions written, so a short
 * generation with a long context does not hold the whole context's cache in RAM. Growing copies the arrays, and
 * the JVM keeps the heap pages the old copies filled: for a cache this small, allocating it whole costs less memory.
 */
public final class KvCache {

    private static final int INITIAL_POSITIONS = 16;
    /** Keys and values of every layer up to this many bytes are allocated whole at once. */
    static final long WHOLE_BYTES = 64L << 20;
    /** One layer's keys (or values) for every position live in one Java array: the largest one the JVM allocates. */
    private static final int MAX_FLOATS_PER_LAYER = Integer.MAX_VALUE - 8;

    private final int layers;
    private final int maxPositions;
    private final int kvDim;
    private final float[][] keys;
    private final float[][] values;

    public KvCache(int layers, int maxPositions, int kvDim) {
        if (layers <= 0 || maxPositions <= 0 || kvDim <= 0) {
            throw new IllegalArgumentException("kv cache: layers, max positions and kv dim must be positive, found "
                    + layers + ", " + maxPositions + ", " + kvDim);
        }
        if ((long) maxPositions * kvDim > MAX_FLOATS_PER_LAYER) {
            throw new IllegalArgumentException("kv cache: " + maxPositions + " positions x kv dim " + kvDim
                    + " floats per layer exceeds the largest Java array; use fewer positions");
        }
        this.layers = layers;
        this.maxPositions = maxPositions;
        this.kvDim = kvDim;
        long wholeBytes = 2L * layers * maxPositions * kvDim * Float.BYTES;
        int initial = (wholeBytes <= WHOLE_BYTES ? maxPositions : Math.min(maxPositions, INITIAL_POSITIONS)) * kvDim;
        this.keys = new float[layers][initial];
        this.values = new float[layers][initial];
    }

    public int kvDim() {
        return kvDim;
    }

    /** Writes the key and value of position pos in layer. */
    public void store(int layer, int pos, float[] k, float[] v) {
        checkPosition(layer, pos);
        if (k.length != kvDim || v.length != kvDim) {
            throw new IllegalArgumentException("kv cache: k and v must have length kv dim = " + kvDim + ", found "
                    + k.length + " and " + v.length);
        }
        int needed = (pos + 1) * kvDim;
        if (needed > keys[layer].length) {
            int grown = Math.min(Math.max(needed, 2 * keys[layer].length), maxPositions * kvDim);
            keys[layer] = Arrays.copyOf(keys[layer], grown);
            values[layer] = Arrays.copyOf(values[layer], grown);
        }
        System.arraycopy(k, 0, keys[layer], pos * kvDim, kvDim);
        System.arraycopy(v, 0, values[layer], pos * kvDim, kvDim);
    }

    void checkPosition(int layer, int pos) {
        if (layer < 0 || layer >= layers) {
            throw new IllegalArgumentException("kv cache: layer " + layer + " outside [0, " + layers + ")");
        }
        if (pos < 0 || pos >= maxPositions) {
            throw new IllegalArgumentException("kv cache: position " + pos + " outside [0, " + maxPositions + ")");
        }
    }

    /** Layer's keys, position t at [t * kvDim, (t + 1) * kvDim). */
    float[] keys(int layer) {
        return keys[layer];
    }

    /** Layer's values, laid out like {@link #keys}. */
    float[] values(int layer) {
        return values[layer];
    }
}
