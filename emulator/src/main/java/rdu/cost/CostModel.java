package rdu.cost;

import java.util.List;
import rdu.activation.ActivationFunction;
import rdu.graph.Op;
import rdu.mla.MlaConfig;
import rdu.model.ModelConfig;
import rdu.moe.ChosenExperts;
import rdu.moe.ExpertLoad;
import rdu.moe.ExpertRouting;
import rdu.tensor.Tensor;

/**
 * The work of each operator for one pass of B samples over n positions p..p+n-1 (n = 1: a decode step at position
 * p), in closed form over shapes and dtypes. R = B*n token rows; wb = bytes per element of the stored weight, ab =
 * {@link #ACTIVATION_BYTES}; T = p + n cached positions after the pass; S = (p+1) + (p+2) + ... + (p+n), the
 * positions the pass's queries attend to (causal); h = heads, d = head_dim, kv = kvDim, q = qDim; log = ceil(log2);
 * unlisted fields are 0. Weights stream once per pass, shared by every sample and position.
 * <ul>
 * <li>Embed [vocab, w]: weight R*w*wb (one gathered row per token); elementwise R*w; activation R*w*ab
 * <li>PositionEmbed [positions, w]: weight R*w*wb (one row per position); elementwise R*w (the add); activation
 *     R*w*ab
 * <li>RmsNorm w: weight w*wb; flops R*2w; elementwise R*2w; transcendental R; reduction log w; activation R*w*ab
 * <li>LayerNorm w: weight 2*w*wb (scale and bias); flops R*3w (the mean, then the squared deviations); elementwise
 *     R*3w (subtract, scale, then multiply-add weight and bias); transcendental R; reduction 2 log w (two sums, one
 *     after the other); activation R*w*ab
 * <li>MatVec [rows, cols]: weight rows*cols*wb; flops 2*rows*cols*R; reduction log cols; activation R*rows*ab
 * <li>BiasAdd w: weight w*wb; elementwise R*w; activation R*w*ab
 * <li>Rope h heads of r rotated values (r = d but in MLA and partial rotary): flops R*h*r*3; transcendental R*h*r;
 *     activation R*h*r*ab
 * <li>KvWrite of c values per token (2*kv; MLA: L + r): kv write R*c*ab; elementwise R*c
 * <li>Attention: kv read B*2*K*kv*ab, K = T or, with a sliding window of W positions, min(T, W + n - 1): each sample
 *     reads the keys its queries see once per pass; flops B*h*S*d*4 (S counting only positions inside the window);
 *     transcendental B*h*S, twice that when scores are soft-capped (a tanh each); elementwise B*h*S*2, plus B*h*S*2
 *     for a cap (divide, multiply); reduction log d + log K; activation R*q*ab
 * <li>Attention, MLA (latent width L = kvLoraRank, rope r, nope m, v_head v, kv_b [h*(m+v), L]): weight kv_b;
 *     kv read B*T*(L+r)*ab (one latent cache shared by the heads); flops B*h*(2nmL (absorb q) + 2S(L+r) (scores)
 *     + 2SL (weighted latent sum) + 2nLv (up-project v)); transcendental B*h*S; elementwise B*h*S*2;
 *     reduction log(L+r) + log T; activation R*h*v*ab
 * <li>Glu w with f: elementwise R*w*(e + 1) (f's e operations, then the product with up); transcendental R*w;
 *     activation R*w*ab. e = 2 for SiLU (negate, multiply by the sigmoid), 7 for GELU's tanh form (the cubic, its
 *     scale and sum, 1 + tanh, the halved product), 4 for exact GELU (scale, 1 + erf, the halved product)
 * <li>Activate w with f: elementwise R*w*e; transcendental R*w; activation R*w*ab
 * <li>SoftCap w: elementwise R*w*2 (divide, multiply); transcendental R*w (tanh); activation R*w*ab
 * <li>Residual w: elementwise R*w; activation R*w*ab
 * <li>Sample: elementwise R*vocab; reduction log vocab
 * <li>Router [E, w], top k: weight E*w*wb; flops 2*E*w*R; elementwise R*E*log E (top-k selection);
 *     transcendental R*E (softmax); reduction log w; activation R*E*ab
 * <li>Experts [held, 3i, w] of E, top k: D = the experts the busiest socket touches and P = the token-expert pairs
 *     it computes. In a pass over a checkpoint's weights, D is the experts its router really chose for any of the R
 *     rows ({@link ChosenExperts}; every socket holds a slice of every expert) and P = R*k; in a timing-only run
 *     they are expected as the op's {@link ExpertRouting} says ({@link ExpertRouting#busiestSocket}; uniform: P =
 *     max(D, R*k*held/E)). Weight: the D touched experts' bytes, D*3i*w*wb (only they stream); flops P*2*3i*w;
 *     elementwise P*(3i + w) (SwiGLU, then scale and sum the outputs); transcendental P*i (SiLU); reduction
 *     log w + log i; activation R*w*ab
 * <li>SharedExpert of width i, with its [1, w] gate: weight (3*i*w + w)*wb; flops R*2*(3*i*w + w); elementwise
 *     R*(i*(e + 1) + 2w) (its activation as Glu's, then scale and add its output); transcendental R*(i + 1) (the
 *     activation and the gate's sigmoid); reduction log w + log i; activation R*w*ab
 * <li>AllReduce of a w-wide activation over N sockets (ring: reduce-scatter then all-gather): p2p
 *     2*(N-1)/N*R*w*ab; elementwise (N-1)/N*R*w (the adds); activation R*w*ab
 * <li>AllGather of a w-wide block per socket over N sockets: p2p (N-1)*R*w*ab (the block to every peer);
 *     activation N*R*w*ab
 * </ul>
 * Pipeline depth = passes * {@link #PCU_PASS_STAGES} + reduction depth: a value crosses the PCU's stages once per
 * pass, then climbs the reduction tree. Attention, RmsNorm, Router and Experts take 2 passes (scores then weighted
 * sum; sum of squares then scale; scores then top-k; gate and up then down), LayerNorm 3 (mean, variance, scale),
 * every other operator 1.
 */
public final class CostModel {

    /** Activations and the KV cache are BF16, the RDU datapath type. */
    public static final int ACTIVATION_BYTES = 2;

    /** Stages of one pass through a PCU's SIMD pipeline (Plasticine's 6; section 5 of published-results.md). */
    public static final int PCU_PASS_STAGES = 6;

    private CostModel() {
    }

    /** The work of {@code op} in one decode step at {@code position}: a pass over that one position. */
    public static Cost of(Op op, ModelConfig config, int batch, int position) {
        return of(op, config, batch, position, 1);
    }

    /**
     * The work of {@code op} in one pass over {@code positions} positions from {@code position}, routed experts as
     * expected (timing-only runs).
     */
    public static Cost of(Op op, ModelConfig config, int batch, int position, int positions) {
        return of(op, config, batch, position, positions, null);
    }

    /**
     * The work of {@code op} in one pass over {@code positions} positions from {@code position}; an {@link Op.Experts}
     * streams the experts {@code chosenExperts} lists, those its router chose in the pass (null: the expected ones).
     */
    public static Cost of(Op op, ModelConfig config, int batch, int position, int positions,
                          List<Integer> chosenExperts) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, found " + batch);
        }
        if (positions < 1) {
            throw new IllegalArgumentException("positions must be >= 1, found " + positions);
        }
        if (position < 0 || position > config.maxPositions() - positions) {
            throw new IllegalArgumentException((positions == 1 ? "position" : "positions " + position + " to "
                    + (position + positions - 1)) + " must be in [0, " + config.maxPositions()
                    + ") (the model's max positions)" + (positions == 1 ? ", found " + position : ""));
        }
        long b = batch;
        long rows = b * positions;
        long ab = ACTIVATION_BYTES;
        // attention: the cache holds t positions after the pass; its queries attend to s positions in all (causal)
        long t = (long) position + positions;
        long s = positions * (position + 1L) + (long) positions * (positions - 1) / 2;
        return switch (op) {
            case Op.Embed e -> {
                long n = e.table().dim(1);
                yield cost(0, rows * n * e.table().dtype().bytes(), 0, 0, rows * n * ab, rows * n, 0, 0, 1);
            }
            case Op.PositionEmbed p -> {
                long n = p.table().dim(1);
                yield cost(0, rows * n * p.table().dtype().bytes(), 0, 0, rows * n * ab, rows * n, 0, 0, 1);
            }
            case Op.LayerNorm r -> {
                long n = r.weight().elementCount();
                yield cost(rows * 3 * n, r.weight().byteSize() + r.bias().byteSize(), 0, 0, rows * n * ab,
                        rows * 3 * n, rows, 2 * ceilLog2(n), 3);
            }
            case Op.BiasAdd add -> {
                long n = add.bias().elementCount();
                yield cost(0, add.bias().byteSize(), 0, 0, rows * n * ab, rows * n, 0, 0, 1);
            }
            case Op.RmsNorm r -> {
                long n = r.weight().elementCount();
                yield cost(rows * 2 * n, n * r.weight().dtype().bytes(), 0, 0, rows * n * ab, rows * 2 * n, rows,
                        ceilLog2(n), 2);
            }
            case Op.MatVec m -> {
                long matrixRows = m.weight().dim(0);
                long cols = m.weight().dim(1);
                yield cost(2.0 * matrixRows * cols * rows, matrixRows * cols * m.weight().dtype().bytes(), 0, 0,
                        rows * matrixRows * ab, 0, 0, ceilLog2(cols), 1);
            }
            case Op.Rope r -> {
                long width = (long) r.heads() * r.dims();
                // Per pair of lanes: 4 multiplies + 2 adds = 3 per element; one cos and one sin = 1 per element.
                yield cost(rows * width * 3, 0, 0, 0, rows * width * ab, 0, rows * width, 0, 1);
            }
            case Op.KvWrite w -> {
                long values = w.values();
                yield cost(0, 0, 0, rows * values * ab, 0, rows * values, 0, 0, 1);
            }
            case Op.Attention a when a.latent() != null -> {
                long heads = a.latent().heads();
                MlaConfig mla = a.latent().mla();
                long rank = mla.kvLoraRank();
                long width = mla.latentWidth();
                double perHead = 2.0 * positions * mla.qkNopeHeadDim() * rank + 2.0 * s * width + 2.0 * s * rank
                        + 2.0 * positions * rank * mla.vHeadDim();
                yield cost(b * heads * perHead, a.latent().kvB().byteSize(), b * t * width * ab, 0,
                        rows * heads * mla.vHeadDim() * ab, b * heads * s * 2, b * heads * s,
                        ceilLog2(width) + ceilLog2(t), 2);
            }
            case Op.Attention a -> {
                long heads = config.numHeads();
                long d = config.headDim();
                int window = a.scores().window();
                long keys = window == 0 ? t : Math.min(t, window + positions - 1L);
                long pairs = window == 0 ? s : windowedPairs(position, positions, window);
                long capped = a.scores().softCap() > 0 ? 2 : 1;
                yield cost(b * heads * pairs * d * 4, 0, b * 2 * keys * config.kvDim() * ab, 0,
                        rows * config.qDim() * ab, b * heads * pairs * 2 * capped, b * heads * pairs * capped,
                        ceilLog2(d) + ceilLog2(keys), 2);
            }
            case Op.Glu g -> {
                long n = g.gate().size(config);
                yield cost(0, 0, 0, 0, rows * n * ab, rows * n * (elementwise(g.function()) + 1), rows * n, 0, 1);
            }
            case Op.Activate x -> {
                long n = x.target().size(config);
                yield cost(0, 0, 0, 0, rows * n * ab, rows * n * elementwise(x.function()), rows * n, 0, 1);
            }
            case Op.SoftCap c -> {
                long n = c.target().size(config);
                yield cost(0, 0, 0, 0, rows * n * ab, rows * n * 2, rows * n, 0, 1);
            }
            case Op.Residual r -> {
                long n = r.into().size(config);
                yield cost(0, 0, 0, 0, rows * n * ab, rows * n, 0, 0, 1);
            }
            case Op.Router r -> {
                long experts = r.weight().dim(0);
                long n = r.weight().dim(1);
                yield cost(2.0 * experts * n * rows, experts * n * r.weight().dtype().bytes(), 0, 0,
                        rows * experts * ab, rows * experts * ceilLog2(experts), rows * experts, ceilLog2(n), 2);
            }
            case Op.Experts x -> {
                long n = x.stacked().dim(2);
                long inter = x.inter();
                double pairs;
                long weightBytes;
                if (chosenExperts == null) {
                    ExpertLoad load = x.routing().busiestSocket(x.experts(), x.topK(), Math.toIntExact(rows),
                            (int) x.stacked().dim(0));
                    pairs = load.pairs();
                    weightBytes = Math.round(load.experts() * 3 * inter * n * x.stacked().dtype().bytes());
                } else {
                    pairs = (double) rows * x.topK();
                    weightBytes = chosenBytes(x, chosenExperts);
                }
                yield cost(pairs * 2 * 3 * inter * n, weightBytes, 0, 0, rows * n * ab, pairs * (3 * inter + n),
                        pairs * inter, ceilLog2(n) + ceilLog2(inter), 2);
            }
            case Op.SharedExpert x -> {
                long n = x.gate().dim(1);
                long width = x.weights().up().weight().dim(0);
                long bytes = x.gate().byteSize() + x.weights().tensors().stream().mapToLong(Tensor::byteSize).sum();
                yield cost(rows * 2.0 * (3 * width * n + n), bytes, 0, 0, rows * n * ab,
                        rows * (width * (elementwise(config.family().activation()) + 1) + 2 * n), rows * (width + 1),
                        ceilLog2(n) + ceilLog2(width), 2);
            }
            case Op.Sample _ -> {
                long vocab = config.vocabSize();
                yield cost(0, 0, 0, 0, 0, rows * vocab, 0, ceilLog2(vocab), 1);
            }
            case Op.AllGather g -> {
                long n = g.buffer().size(config);
                yield new Cost(0, 0, 0, 0, (g.sockets() - 1L) * rows * n * ab, g.sockets() * rows * n * ab, 0, 0, 0,
                        PCU_PASS_STAGES);
            }
            case Op.AllReduce r -> {
                long n = r.buffer().size(config);
                long sockets = r.sockets();
                yield new Cost(0, 0, 0, 0, 2 * (sockets - 1) * rows * n * ab / sockets, rows * n * ab,
                        (double) (sockets - 1) * rows * n / sockets, 0, 0, PCU_PASS_STAGES);
            }
        };
    }

    /** This socket's bytes of the experts a router chose: their gate, up and down (slices, when split). */
    private static long chosenBytes(Op.Experts x, List<Integer> chosen) {
        if (x.weights().size() != x.experts()) {
            throw new IllegalArgumentException("chosen experts need the weights of all " + x.experts()
                    + " experts on the socket, found " + x.weights().size());
        }
        long bytes = 0;
        for (int e : chosen) {
            for (Tensor t : x.weights().get(e).tensors()) {
                bytes += t.byteSize();
            }
        }
        return bytes;
    }

    private static Cost cost(double flops, long weightBytes, long kvReadBytes, long kvWriteBytes,
                             long activationBytes, double elementwiseOps, double transcendentalOps,
                             int reductionDepth, int passes) {
        return new Cost(flops, weightBytes, kvReadBytes, kvWriteBytes, 0, activationBytes, elementwiseOps,
                transcendentalOps, reductionDepth, passes * PCU_PASS_STAGES + reductionDepth);
    }

    /**
     * Query-key pairs of a pass over positions p..p+n-1 whose queries see at most {@code window} positions each: the
     * query at position q sees min(q + 1, window) of them.
     */
    static long windowedPairs(int position, int positions, int window) {
        long p = position;
        long growing = Math.max(0, Math.min(window, p + positions) - p); // queries that see all positions before them
        return growing * p + growing * (growing + 1) / 2 + (positions - growing) * window;
    }

    /** Element-wise operations of one value of f, besides its transcendental (see the class comment). */
    private static long elementwise(ActivationFunction f) {
        return switch (f) {
            case SILU -> 2;
            case GELU_TANH -> 7;
            case GELU -> 4;
        };
    }

    /** Levels of a binary reduction tree over n values: 0 for one value. */
    static int ceilLog2(long n) {
        return 64 - Long.numberOfLeadingZeros(n - 1);
    }
}
