package rdu.runtime;

import rdu.chip.Chip;

/** The default width of a prefill pass on a chip. */
public final class PrefillChunk {

    /** Bounds of the default: a host-sized pass (its logits alone are chunk x vocab floats) and at least a few waves. */
    static final int MIN = 16;
    static final int MAX = 4096;

    private PrefillChunk() {
    }

    /**
     * The smallest power of two at which a pass of BF16 weights becomes compute-bound on this chip (its ridge point):
     * a pass of n positions does 2n FLOPs per weight of 2 bytes, so n FLOPs per byte streamed, against the chip's
     * peak FLOP/s over its HBM bytes/s. Shorter chunks leave the PCUs waiting on HBM; longer ones only hold more
     * activations on chip. SN40L: 638 TFLOPS / 1.6 TB/s = 399 -> 512.
     */
    public static int defaultFor(Chip chip) {
        double ridge = 2 * chip.laneOpsPerSecond() / chip.hbmBandwidth();
        int chunk = MIN;
        while (chunk < ridge && chunk < MAX) {
            chunk *= 2;
        }
        return chunk;
    }
}
