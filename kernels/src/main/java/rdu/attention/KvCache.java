package rdu.attention;

import java.util.Arrays;

/**
 * The KV memory: keys and values of every layer at every position written so far. Mutable, like the hardware memory
 * it stands for. Each layer's keys and values are held in pages of {@link #PAGE_POSITIONS} positions, allocated when a
 * position in them is first written: the memory held follows the positions reached, not the context length, and a page
 * never moves once written (no copies as the cache fills). The table of a layer's pages grows the same way, so a
 * context of billions of positions costs nothing until they are reached. Values are [position in page, kvDim]; keys
 * are [kvDim, position in page], so that one dimension of consecutive positions is one vector and attention scores a
 * vector's width of positions at once.
 */
public final class KvCache {

    /**
     * Positions per page: a power of two, so a position's page and offset are a shift and a mask, and a multiple of
     * the widest vector (16 floats), so a vector of positions never spans two pages. Small, as up to a page per layer
     * is held beyond the positions written (at 64, 4 MB of a 110M model's 256-token run).
     */
    static final int PAGE_POSITIONS = 16;
    private static final int PAGE_SHIFT = Integer.numberOfTrailingZeros(PAGE_POSITIONS);

    private final int layers;
    private final int maxPositions;
    private final int kvDim;
    private final float[][][] keys;
    private final float[][][] values;

    public KvCache(int layers, int maxPositions, int kvDim) {
        if (layers <= 0 || maxPositions <= 0 || kvDim <= 0) {
            throw new IllegalArgumentException("kv cache: layers, max positions and kv dim must be positive, found "
                    + layers + ", " + maxPositions + ", " + kvDim);
        }
        if ((long) PAGE_POSITIONS * kvDim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("kv cache: kv dim " + kvDim + " x " + PAGE_POSITIONS
                    + " positions per page exceeds the largest Java array");
        }
        this.layers = layers;
        this.maxPositions = maxPositions;
        this.kvDim = kvDim;
        this.keys = new float[layers][0][];
        this.values = new float[layers][0][];
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
        int page = pos >> PAGE_SHIFT;
        if (page >= keys[layer].length) {
            int pages = (int) (((long) maxPositions + PAGE_POSITIONS - 1) >> PAGE_SHIFT);
            int grown = Math.min(pages, Math.max(page + 1, 2 * keys[layer].length));
            keys[layer] = Arrays.copyOf(keys[layer], grown);
            values[layer] = Arrays.copyOf(values[layer], grown);
        }
        if (keys[layer][page] == null) {
            keys[layer][page] = new float[PAGE_POSITIONS * kvDim];
            values[layer][page] = new float[PAGE_POSITIONS * kvDim];
        }
        float[] keyPage = keys[layer][page];
        int slot = slot(pos);
        for (int d = 0; d < kvDim; d++) {
            keyPage[d * PAGE_POSITIONS + slot] = k[d];
        }
        System.arraycopy(v, 0, values[layer][page], offset(pos), kvDim);
    }

    void checkPosition(int layer, int pos) {
        if (layer < 0 || layer >= layers) {
            throw new IllegalArgumentException("kv cache: layer " + layer + " outside [0, " + layers + ")");
        }
        if (pos < 0 || pos >= maxPositions) {
            throw new IllegalArgumentException("kv cache: position " + pos + " outside [0, " + maxPositions + ")");
        }
    }

    /**
     * Layer's key pages: dimension d of position t's key is at d * PAGE_POSITIONS + {@link #slot}(t) in page
     * {@link #page}(t).
     */
    float[][] keys(int layer) {
        return keys[layer];
    }

    /** Layer's value pages: position t's value is at {@link #offset}(t) in page {@link #page}(t). */
    float[][] values(int layer) {
        return values[layer];
    }

    static int page(int pos) {
        return pos >> PAGE_SHIFT;
    }

    /** Position pos's place among its page's positions. */
    static int slot(int pos) {
        return pos & (PAGE_POSITIONS - 1);
    }

    /** Where position pos's value starts in its page. */
    int offset(int pos) {
        return slot(pos) * kvDim;
    }

    /** Floats held for keys and values of every layer: what the pages written so far take. */
    long floatsHeld() {
        long held = 0;
        for (int layer = 0; layer < layers; layer++) {
            for (int page = 0; page < keys[layer].length; page++) {
                held += keys[layer][page] == null ? 0 : keys[layer][page].length + values[layer][page].length;
            }
        }
        return held;
    }
}
