package rdu.activation;

/** The SwiGLU gate of the Llama feed-forward block, as llama2.c run.c computes it. */
public final class SwiGlu {

    private SwiGlu() {
    }

    /**
     * gate[i] = silu(gate[i]) * up[i] for i < n. Scalar on purpose: (float) Math.exp matches run.c's expf,
     * a vector exp would not bit for bit, and n (the hidden size) is small next to the matmuls around it.
     */
    public static void apply(float[] gate, float[] up, int n) {
        if (n < 0 || n > gate.length || n > up.length) {
            throw new IllegalArgumentException("swiglu over " + n + " elements, gate has " + gate.length
                    + " and up has " + up.length + " (expected 0 <= n <= both)");
        }
        for (int i = 0; i < n; i++) {
            float val = gate[i];
            val *= 1.0f / (1.0f + (float) Math.exp(-val));
            val *= up[i];
            gate[i] = val;
        }
    }
}
