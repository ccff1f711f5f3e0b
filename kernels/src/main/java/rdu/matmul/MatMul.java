package rdu.matmul;

import rdu.parallel.HostPool;
import rdu.tensor.Tensor;

/**
 * A small batch of matrix-vector products sharing one pass over the weights: outs[b] = W xs[b].
 * W is walked in blocks of rows small enough to stay in cache; each block is read from memory once and
 * multiplied by every x while cached. Each row goes through the MatVec kernel, so outs[b] is bit for bit
 * what MatVec gives for xs[b] alone.
 */
public final class MatMul {

    /** Bytes of weights per block: fits comfortably in a core's L2 next to the batch of x vectors. */
    private static final long BLOCK_BYTES = 256 * 1024;

    private MatMul() {
    }

    public static void apply(Tensor w, float[][] xs, float[][] outs) {
        MatVec.checkMatrix(w);
        if (xs.length != outs.length) {
            throw new IllegalArgumentException("matrix " + w + ": " + xs.length + " input vectors but " + outs.length + " outputs");
        }
        int rows = Math.toIntExact(w.dim(0));
        for (int b = 0; b < xs.length; b++) {
            MatVec.checkVectors(w, xs[b], outs[b], 0, rows);
        }
        if ((long) rows * w.dim(1) * xs.length < MatVec.PARALLEL_ELEMENTS) {
            blocks(w, 0, rows, xs, outs);
        } else {
            HostPool.parallelFor(rows, (start, end) -> blocks(w, start, end, xs, outs));
        }
    }

    private static void blocks(Tensor w, int start, int end, float[][] xs, float[][] outs) {
        long rowBytes = w.dim(1) * w.dtype().bytes();
        int blockRows = (int) Math.max(4, BLOCK_BYTES / Math.max(1, rowBytes));
        for (int first = start; first < end; first += blockRows) {
            int count = Math.min(blockRows, end - first);
            for (int b = 0; b < xs.length; b++) {
                MatVec.rows(w, first, count, xs[b], outs[b], first);
            }
        }
    }
}
