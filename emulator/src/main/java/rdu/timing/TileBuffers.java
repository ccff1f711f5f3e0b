package rdu.timing;

import java.util.Arrays;

/**
 * The PMU stage buffers of one operator's off-chip stream, used as a ring: each tile goes to the next buffer in
 * turn and may start streaming once that buffer's previous tile has been consumed.
 */
final class TileBuffers {

    private final double[] freeAtNs;
    private int next;

    TileBuffers(int tiles, double freeAtNs) {
        this.freeAtNs = new double[tiles];
        Arrays.fill(this.freeAtNs, freeAtNs);
    }

    int size() {
        return freeAtNs.length;
    }

    /** The buffer the next tile goes to; it is free from {@link #freeAtNs(int)} on. */
    int take() {
        int slot = next;
        next = (next + 1) % freeAtNs.length;
        return slot;
    }

    double freeAtNs(int slot) {
        return freeAtNs[slot];
    }

    /** The tile in {@code slot} has been consumed by every sample that needs it at {@code ns}. */
    void release(int slot, double ns) {
        freeAtNs[slot] = ns;
    }
}
