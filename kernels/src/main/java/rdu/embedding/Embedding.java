package rdu.embedding;

import rdu.simd.Simd;
import rdu.tensor.Tensor;

/** Token embedding: one row of the [vocab, dim] table, widened to float. */
public final class Embedding {

    private Embedding() {
    }

    public static void lookup(Tensor table, int token, float[] out) {
        if (table.rank() != 2) {
            throw new IllegalArgumentException("embedding table " + table + ": expected rank 2 [vocab, dim], found rank " + table.rank());
        }
        Simd.requireWidenable(table);
        long vocab = table.dim(0);
        int dim = Math.toIntExact(table.dim(1));
        if (token < 0 || token >= vocab) {
            throw new IllegalArgumentException("embedding table " + table + ": token " + token + " outside vocabulary of size " + vocab);
        }
        if (out.length != dim) {
            throw new IllegalArgumentException("embedding table " + table + ": out has length " + out.length + ", expected dim = " + dim);
        }
        long base = (long) token * dim;
        int j = 0;
        for (int bound = Simd.FLOAT.loopBound(dim); j < bound; j += Simd.FLOAT.length()) {
            Simd.load(table.dtype(), table.data(), base + j).intoArray(out, j);
        }
        for (; j < dim; j++) {
            out[j] = Simd.get(table.dtype(), table.data(), base + j);
        }
    }
}
