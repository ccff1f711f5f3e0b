package rdu.schedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import rdu.cost.CostModel;
import rdu.graph.DecodeGraph;
import rdu.graph.Node;
import rdu.graph.Op;
import rdu.graph.Part;
import rdu.memory.Placement;
import rdu.memory.SocketMemory;
import rdu.model.ModelConfig;
import rdu.tensor.Tensor;

/**
 * The sequence of kernel calls that makes one decode step, with every weight and the KV cache placed in
 * emulated memory. Both the functional executor and the timing engine walk this one schedule, so modeled time
 * always belongs to work that really ran.
 */
public record Schedule(ModelConfig config, ScheduleOptions options, List<KernelCall> calls, SocketMemory memory,
                       Placement kvCache) {

    /** How operators are grouped into kernels. */
    public enum Fusion {
        /** SN40L baseline: a whole decoder layer per kernel, plus embedding, classifier and sampling kernels. */
        LAYER,
        /** One kernel per operator, for comparison with fusion. */
        NONE,
        /**
         * A GPU's schedule, as TensorRT-LLM runs a Llama layer: ten kernels per layer (norm, fused QKV GEMM,
         * RoPE + KV-cache update, attention, o GEMM, all-reduce + residual + norm, gate/up GEMM, activation, down
         * GEMM, all-reduce + residual).
         */
        KERNEL_BY_KERNEL
    }

    public Schedule {
        calls = List.copyOf(calls);
    }

    /**
     * Places the graph's weights and KV cache in {@code memory} (HBM first, then DDR; failing up front, with the
     * shortfall, if the model does not fit) and groups the operators into kernel calls, its experts routed as the
     * options say.
     */
    public static Schedule compile(DecodeGraph graph, ScheduleOptions options, SocketMemory memory) {
        graph = graph.withExpertRouting(options.expertRouting());
        ModelConfig config = graph.config();
        List<Tensor> weights = graph.nodes().stream().flatMap(n -> n.op().weightTensors().stream())
                .distinct().toList();
        long kvBytes = kvCacheBytes(graph, options.batch());
        memory.requireFits(weights, kvBytes, "model (weights + KV cache for batch " + options.batch() + ")");

        List<KernelCall> calls = group(graph.nodes(), options.fusion());
        if (options.loopsLayers()) {
            calls = loopDecoderLayers(calls, memory);
        }
        for (Tensor t : weights) {
            memory.place(t);
        }
        Placement kvCache = memory.reserve("KV cache", kvBytes);
        return new Schedule(config, options, calls, memory, kvCache);
    }

    /** Consecutive operators of the same part and layer form one kernel (layer fusion), or each its own. */
    private static List<KernelCall> group(List<Node> nodes, Fusion fusion) {
        List<KernelCall> calls = new ArrayList<>();
        List<Node> current = new ArrayList<>();
        for (Node node : nodes) {
            boolean samePlace = !current.isEmpty() && current.getFirst().part() == node.part()
                    && current.getFirst().layer() == node.layer();
            boolean sameKernel = samePlace && switch (fusion) {
                case LAYER -> true;
                case NONE -> false;
                case KERNEL_BY_KERNEL -> joinsGpuKernel(current.getLast().op(), node.op());
            };
            if (!current.isEmpty() && !sameKernel) {
                calls.add(KernelCall.single(name(current, fusion), current));
                current = new ArrayList<>();
            }
            current.add(node);
        }
        calls.add(KernelCall.single(name(current, fusion), current));
        return calls;
    }

    /** Whether {@code op} runs in the same GPU kernel as {@code previous}, the operator before it. */
    private static boolean joinsGpuKernel(Op previous, Op op) {
        return switch (op) {
            // q, k, v in one GEMM; gate and up in another; a bias in the GEMM's epilogue
            case Op.MatVec m -> previous instanceof Op.MatVec || previous instanceof Op.BiasAdd;
            case Op.BiasAdd b -> true;
            case Op.Rope r -> previous instanceof Op.Rope;
            case Op.KvWrite w -> true; // RoPE and the KV-cache update are one kernel; attention is the next
            case Op.Attention a -> false;
            case Op.Residual r -> previous instanceof Op.AllReduce || previous instanceof Op.BiasAdd;
            case Op.RmsNorm n -> previous instanceof Op.Residual;
            case Op.LayerNorm n -> previous instanceof Op.Residual;
            default -> false;
        };
    }

    /**
     * KernelLooping: the decoder-layer calls become one call iterating over layers. Each weight of the loop body
     * is packed along a new layer dimension in memory, so the loop streams iteration i+1's slice right after i's.
     * The body is the shortest run of layers that repeats: one layer, or a dense and an MoE layer where they
     * alternate (Llama 4). Layers that repeat no run (leading dense layers before MoE ones) stay a call each.
     */
    private static List<KernelCall> loopDecoderLayers(List<KernelCall> calls, SocketMemory memory) {
        List<KernelCall> decoders = calls.stream().filter(c -> c.part() == Part.DECODER).toList();
        int period = period(decoders);
        List<List<KernelCall>> loops = new ArrayList<>();
        if (decoders.size() / period >= 2) {
            loops.add(decoders);
        } else {
            // no period covers every layer (e.g. DeepSeek's leading dense layers): loop each run of alike layers
            period = 1;
            int first = 0;
            for (int l = 1; l <= decoders.size(); l++) {
                if (l == decoders.size() || !shape(decoders.get(l)).equals(shape(decoders.get(first)))) {
                    loops.add(decoders.subList(first, l));
                    first = l;
                }
            }
        }
        List<KernelCall> result = new ArrayList<>();
        for (KernelCall call : calls) {
            if (call.part() != Part.DECODER) {
                result.add(call);
            }
            for (List<KernelCall> loop : loops) {
                if (call == loop.getFirst()) {
                    String name = loops.size() == 1 ? "decoders"
                            : "decoders." + decoders.indexOf(loop.getFirst()) + "-" + decoders.indexOf(loop.getLast());
                    result.add(loop.size() / period < 2 ? call : looped(name, loop, period, memory));
                }
            }
        }
        return result;
    }

    /** One call whose iterations are {@code period} layers each, with each body weight packed along the layers. */
    private static KernelCall looped(String name, List<KernelCall> layers, int period, SocketMemory memory) {
        List<List<Node>> iterations = new ArrayList<>();
        for (int first = 0; first < layers.size(); first += period) {
            iterations.add(layers.subList(first, first + period).stream().flatMap(c -> c.nodes().stream()).toList());
        }
        List<Node> body = iterations.getFirst();
        for (int slot = 0; slot < body.size(); slot++) {
            List<Tensor> slotWeights = body.get(slot).op().weightTensors();
            for (int w = 0; w < slotWeights.size(); w++) {
                int s = slot;
                int which = w;
                List<Tensor> packed = iterations.stream()
                        .map(nodes -> nodes.get(s).op().weightTensors().get(which)).toList();
                memory.placePacked(slotWeights.get(w).name() + " packed over " + packed.size() + " iterations",
                        packed);
            }
        }
        return new KernelCall(name, Part.DECODER, iterations);
    }

    private static int period(List<KernelCall> decoders) {
        List<List<String>> shapes = decoders.stream().map(Schedule::shape).toList();
        for (int period = 1; period < shapes.size(); period++) {
            if (shapes.size() % period == 0 && repeats(shapes, period)) {
                return period;
            }
        }
        return Math.max(1, shapes.size());
    }

    private static boolean repeats(List<List<String>> shapes, int period) {
        for (int i = period; i < shapes.size(); i++) {
            if (!shapes.get(i).equals(shapes.get(i - period))) {
                return false;
            }
        }
        return true;
    }

    /** A call's operator kinds with their weights' shapes and dtypes: what packing and allocation need alike. */
    private static List<String> shape(KernelCall call) {
        return call.nodes().stream().map(n -> {
            return n.op().getClass().getSimpleName() + n.op().weightTensors().stream()
                    .map(w -> Arrays.toString(w.shape()) + w.dtype()).toList();
        }).toList();
    }

    private static String name(List<Node> nodes, Fusion fusion) {
        Node first = nodes.getFirst();
        String part = first.part().name().toLowerCase(Locale.ROOT);
        String base = first.layer() == Node.NO_LAYER ? part : part + "." + first.layer();
        return fusion == Fusion.LAYER ? base : base + "." + first.op().kind()
                + (nodes.size() > 1 ? "+" + (nodes.size() - 1) : "");
    }

    /**
     * What every layer's KV write caches (K and V: 2 * kvDim values; MLA: its latent) in BF16 (the RDU's activation
     * type), for every position and sample.
     */
    public static long kvCacheBytes(DecodeGraph graph, int batch) {
        long valuesPerPosition = 0;
        for (Node node : graph.nodes()) {
            if (node.op() instanceof Op.KvWrite w) {
                valuesPerPosition += w.values();
            }
        }
        return valuesPerPosition * batch * graph.config().maxPositions() * CostModel.ACTIVATION_BYTES;
    }

    /** Weight bytes one decode step streams, every operator's weights once, as the cost model counts them. */
    public long weightBytesPerStep() {
        long total = 0;
        for (KernelCall call : calls) {
            for (Node node : call.nodes()) {
                total += CostModel.of(node.op(), config, options.batch(), 0).weightBytes();
            }
        }
        return total;
    }

    /** Kernel launches per decode step. */
    public int kernelCallsPerStep() {
        return calls.size();
    }

    /** The operator of a node reads its weight from this placement. */
    public Placement placement(Op op) {
        return memory.placement(op.weightTensors().getFirst());
    }
}
