package rdu.embedding;

import rdu.simd.Simd;
import rdu.tensor.Tensor;

/** Embedding tables: one row of a [rows, dim] table, widened to float (a token's, or a position's). */
public final class Embedding {

    private Embedding() {
    }

    // One row per token: scalar loops. A vector loop here ran C1-compiled, its vectors boxed, through most of a
    // 256-token run, as one row a token takes long to reach C2 (bench decode of the 110M model in BF16: 52-62 us a
    // token, 1% of a step; the scalar loop 24-28 us).

    /** out = row {@code token} of the table times {@code scale} (1, or Gemma's sqrt(hidden_size)). */
    public static void lookup(Tensor table, int token, float[] out, float scale) {
        long base = checkedRow(table, "token", token, out);
        for (int j = 0; j < out.length; j++) {
            out[j] = Simd.get(table.dtype(), table.data(), base + j) * scale;
        }
    }

    /** out += row {@code row} of the table: a learned position embedding added to the token's (GPT-2). */
    public static void add(Tensor table, int row, float[] out) {
        long base = checkedRow(table, "position", row, out);
        for (int j = 0; j < out.length; j++) {
            out[j] += Simd.get(table.dtype(), table.data(), base + j);
        }
    }

    /** The first element of row {@code row} (a token or a position), after checking the table, it and out. */
    private static long checkedRow(Tensor table, String what, int row, float[] out) {
        if (table.rank() != 2) {
            throw new IllegalArgumentException("embedding table " + table + ": expected rank 2 [rows, dim], found rank "
                    + table.rank());
        }
        Simd.requireWidenable(table);
        long rows = table.dim(0);
        int dim = Math.toIntExact(table.dim(1));
        if (row < 0 || row >= rows) {
            throw new IllegalArgumentException("embedding table " + table + ": " + what + " " + row + " outside [0, "
                    + rows + ")");
        }
        if (out.length != dim) {
            throw new IllegalArgumentException("embedding table " + table + ": out has length " + out.length
                    + ", expected dim = " + dim);
        }
        return (long) row * dim;
    }
}
