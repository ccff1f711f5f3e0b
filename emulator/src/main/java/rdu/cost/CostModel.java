package rdu.cost;

import rdu.graph.Op;
import rdu.mla.MlaConfig;
import rdu.model.ModelConfig;
import rdu.moe.ExpertLoad;

/**
 * The work of each operator for one decode step of B samples at position p, in closed form over shapes and
 * dtypes. wb = bytes per element of the stored weight, ab = {@link #ACTIVATION_BYTES}; t = p + 1 cached
 * positions; h = heads, d = head_dim, kv = kvDim, q = qDim; log = ceil(log2); unlisted fields are 0.
 * <ul>
 * <li>Embed [vocab, n]: weight B*n*wb (one gathered row per sample); elementwise B*n; activation B*n*ab
 * <li>RmsNorm n: weight n*wb; flops B*2n; elementwise B*2n; transcendental B; reduction log n; activation B*n*ab
 * <li>MatVec [rows, cols]: weight rows*cols*wb (streamed once for the batch); flops 2*rows*cols*B;
 *     reduction log cols; activation B*rows*ab
 * <li>Rope h heads of r rotated values (r = d but in MLA): flops B*h*r*3; transcendental B*h*r; activation B*h*r*ab
 * <li>KvWrite of c values per token (2*kv; MLA: L + r): kv write B*c*ab; elementwise B*c
 * <li>Attention: kv read B*2*t*kv*ab; flops B*h*t*d*4; transcendental B*h*t; elementwise B*h*t*2;
 *     reduction log d + log t; activation B*q*ab
 * <li>Attention, MLA (latent width L = kvLoraRank, rope r, nope n, v_head v, kv_b [h*(n+v), L]): weight kv_b;
 *     kv read B*t*(L+r)*ab (one latent cache shared by the heads); flops B*h*(2nL (absorb q) + 2t(L+r) (scores)
 *     + 2tL (weighted latent sum) + 2Lv (up-project v)); transcendental B*h*t; elementwise B*h*t*2;
 *     reduction log(L+r) + log t; activation B*h*v*ab
 * <li>SwiGlu n: elementwise B*n*3; transcendental B*n; activation B*n*ab
 * <li>Residual n: elementwise B*n; activation B*n*ab
 * <li>Sample: elementwise B*vocab; reduction log vocab
 * <li>Router [E, n], top k: weight E*n*wb; flops 2*E*n*B; elementwise B*E*log E (top-k selection);
 *     transcendental B*E (softmax); reduction log n; activation B*E*ab
 * <li>Experts [held, 3i, n] of E, top k: D = experts the busiest socket touches ({@link ExpertLoad#busiestSocket});
 *     weight D*3i*n*wb (only touched experts stream); P = max(D, B*k*held/E) token-expert pairs on the socket;
 *     flops P*2*3i*n; elementwise P*(3i + n) (SwiGLU, then scale and sum the outputs); transcendental P*i (SiLU);
 *     reduction log n + log i; activation B*n*ab
 * <li>AllReduce of an n-wide activation over N sockets (ring: reduce-scatter then all-gather): p2p
 *     2*(N-1)/N*B*n*ab; elementwise (N-1)/N*B*n (the adds); activation B*n*ab
 * <li>AllGather of an n-wide block per socket over N sockets: p2p (N-1)*B*n*ab (the block to every peer);
 *     activation N*B*n*ab
 * </ul>
 * Pipeline depth = passes * {@link #PCU_PASS_STAGES} + reduction depth: a value crosses the PCU's stages once per
 * pass, then climbs the reduction tree. Attention, RmsNorm, Router and Experts take 2 passes (scores then weighted
 * sum; sum of squares then scale; scores then top-k; gate and up then down), every other operator 1.
 */
public final class CostModel {

    /** Activations and the KV cache are BF16, the RDU datapath type. */
    public static final int ACTIVATION_BYTES = 2;

    /** Stages of one pass through a PCU's SIMD pipeline (Plasticine's 6; section 5 of published-results.md). */
    public static final int PCU_PASS_STAGES = 6;

    private CostModel() {
    }

    public static Cost of(Op op, ModelConfig config, int batch, int position) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, found " + batch);
        }
        if (position < 0 || position >= config.maxPositions()) {
            throw new IllegalArgumentException("position must be in [0, " + config.maxPositions()
                    + ") (the model's max positions), found " + position);
        }
        long b = batch;
        long ab = ACTIVATION_BYTES;
        return switch (op) {
            case Op.Embed e -> {
                long n = e.table().dim(1);
                yield cost(0, b * n * e.table().dtype().bytes(), 0, 0, b * n * ab, b * n, 0, 0, 1);
            }
            case Op.RmsNorm r -> {
                long n = r.weight().elementCount();
                yield cost(b * 2 * n, n * r.weight().dtype().bytes(), 0, 0, b * n * ab, b * 2 * n, b,
                        ceilLog2(n), 2);
            }
            case Op.MatVec m -> {
                long rows = m.weight().dim(0);
                long cols = m.weight().dim(1);
                yield cost(2.0 * rows * cols * b, rows * cols * m.weight().dtype().bytes(), 0, 0, b * rows * ab,
                        0, 0, ceilLog2(cols), 1);
            }
            case Op.Rope r -> {
                long width = (long) r.heads() * r.dims();
                // Per pair of lanes: 4 multiplies + 2 adds = 3 per element; one cos and one sin = 1 per element.
                yield cost(b * width * 3, 0, 0, 0, b * width * ab, 0, b * width, 0, 1);
            }
            case Op.KvWrite w -> {
                long values = w.values();
                yield cost(0, 0, 0, b * values * ab, 0, b * values, 0, 0, 1);
            }
            case Op.Attention a when a.latent() != null -> {
                long t = position + 1L;
                long heads = a.latent().heads();
                MlaConfig mla = a.latent().mla();
                long rank = mla.kvLoraRank();
                long width = mla.latentWidth();
                double perHead = 2.0 * mla.qkNopeHeadDim() * rank + 2.0 * t * width + 2.0 * t * rank
                        + 2.0 * rank * mla.vHeadDim();
                yield cost(b * heads * perHead, a.latent().kvB().byteSize(), b * t * width * ab, 0,
                        b * heads * mla.vHeadDim() * ab, b * heads * t * 2, b * heads * t,
                        ceilLog2(width) + ceilLog2(t), 2);
            }
            case Op.Attention _ -> {
                long t = position + 1L;
                long heads = config.numHeads();
                long d = config.headDim();
                yield cost(b * heads * t * d * 4, 0, b * 2 * t * config.kvDim() * ab, 0, b * config.qDim() * ab,
                        b * heads * t * 2, b * heads * t, ceilLog2(d) + ceilLog2(t), 2);
            }
            case Op.SwiGlu s -> {
                long n = s.gate().size(config);
                yield cost(0, 0, 0, 0, b * n * ab, b * n * 3, b * n, 0, 1);
            }
            case Op.Residual r -> {
                long n = r.into().size(config);
                yield cost(0, 0, 0, 0, b * n * ab, b * n, 0, 0, 1);
            }
            case Op.Router r -> {
                long experts = r.weight().dim(0);
                long n = r.weight().dim(1);
                yield cost(2.0 * experts * n * b, experts * n * r.weight().dtype().bytes(), 0, 0, b * experts * ab,
                        b * experts * ceilLog2(experts), b * experts, ceilLog2(n), 2);
            }
            case Op.Experts x -> {
                long held = x.stacked().dim(0);
                long n = x.stacked().dim(2);
                long inter = x.inter();
                double touched = ExpertLoad.busiestSocket(x.experts(), x.topK(), batch, (int) held);
                double pairs = Math.max(touched, (double) b * x.topK() * held / x.experts());
                long expertBytes = 3 * inter * n * x.stacked().dtype().bytes();
                yield cost(pairs * 2 * 3 * inter * n, Math.round(touched * expertBytes), 0, 0, b * n * ab,
                        pairs * (3 * inter + n), pairs * inter, ceilLog2(n) + ceilLog2(inter), 2);
            }
            case Op.Sample _ -> {
                long vocab = config.vocabSize();
                yield cost(0, 0, 0, 0, 0, b * vocab, 0, ceilLog2(vocab), 1);
            }
            case Op.AllGather g -> {
                long n = g.buffer().size(config);
                yield new Cost(0, 0, 0, 0, (g.sockets() - 1L) * b * n * ab, g.sockets() * b * n * ab, 0, 0, 0,
                        PCU_PASS_STAGES);
            }
            case Op.AllReduce r -> {
                long n = r.buffer().size(config);
                long sockets = r.sockets();
                yield new Cost(0, 0, 0, 0, 2 * (sockets - 1) * b * n * ab / sockets, b * n * ab,
                        (double) (sockets - 1) * b * n / sockets, 0, 0, PCU_PASS_STAGES);
            }
        };
    }

    private static Cost cost(double flops, long weightBytes, long kvReadBytes, long kvWriteBytes,
                             long activationBytes, double elementwiseOps, double transcendentalOps,
                             int reductionDepth, int passes) {
        return new Cost(flops, weightBytes, kvReadBytes, kvWriteBytes, 0, activationBytes, elementwiseOps,
                transcendentalOps, reductionDepth, passes * PCU_PASS_STAGES + reductionDepth);
    }

    /** Levels of a binary reduction tree over n values: 0 for one value. */
    static int ceilLog2(long n) {
        return 64 - Long.numberOfLeadingZeros(n - 1);
    }
}
