package rdu.activation;

/** The nonlinearity of a feed-forward block, by its Hugging Face {@code hidden_act} names. */
public enum ActivationFunction {
    /** x * sigmoid(x): "silu" (Llama's SwiGLU). */
    SILU,
    /** GELU with tanh's approximation of erf: "gelu_new", "gelu_pytorch_tanh" (GPT-2, Gemma, Phi, StarCoder2). */
    GELU_TANH,
    /** GELU with the exact erf: "gelu". */
    GELU;

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    /**
     * f(x), in float as PyTorch computes it. Scalar on purpose: (float) Math.exp matches run.c's expf, and a vector
     * exp or tanh would not bit for bit; the MLP width is small next to the matrix products around it.
     */
    public float apply(float x) {
        return switch (this) {
            case SILU -> x * (1.0f / (1.0f + (float) Math.exp(-x)));
            case GELU_TANH -> 0.5f * x * (1.0f + (float) Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
            case GELU -> 0.5f * x * (1.0f + (float) Erf.erf(x / Math.sqrt(2)));
        };
    }

    /** x[i] = f(x[i]) for i < n: a plain (fc1, fc2) feed-forward block's activation. */
    public void apply(float[] x, int n) {
        check(n, x.length, x.length);
        for (int i = 0; i < n; i++) {
            x[i] = apply(x[i]);
        }
    }

    /** gate[i] = f(gate[i]) * up[i] for i < n: a gated feed-forward block (SwiGLU, GeGLU). */
    public void gated(float[] gate, float[] up, int n) {
        if (this == SILU) {
            SwiGlu.apply(gate, up, n); // run.c's operation order, for bit-identical Llama tokens
            return;
        }
        check(n, gate.length, up.length);
        for (int i = 0; i < n; i++) {
            gate[i] = apply(gate[i]) * up[i];
        }
    }

    private void check(int n, int first, int second) {
        if (n < 0 || n > first || n > second) {
            throw new IllegalArgumentException(this + " over " + n + " elements of arrays of " + first + " and "
                    + second + " (expected 0 <= n <= both)");
        }
    }
}
