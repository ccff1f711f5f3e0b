package rdu.timing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rdu.chip.Chip;
import rdu.cost.Cost;
import rdu.cost.CostModel;
import rdu.graph.Node;
import rdu.graph.Op;
import rdu.memory.Tier;
import rdu.model.ModelConfig;
import rdu.pcu.Allocator;
import rdu.pcu.KernelAllocation;
import rdu.pcu.OperatorAllocation;
import rdu.schedule.KernelCall;
import rdu.schedule.Schedule;

/**
 * Modeled time of decode steps on one socket: walks the same schedule the functional executor runs and books every
 * piece of work on the resource that does it. Each resource is a timeline (work on it is serialized); a task starts
 * when its inputs are ready and its resource is free. What is timed, per decode step:
 * <ol>
 * <li>control: the host takes over between steps ({@code host_step}), or, inside a ScheduleOffloading window of M
 *     steps, the AGCU moves on by itself ({@code agcu_step});</li>
 * <li>per kernel call: launch by host software ({@code software_launch}) or the AGCU ({@code hardware_launch}), then
 *     Program Load (only when the program differs from the last call's) and Argument Load, then Execute, then a
 *     barrier ({@code kernel_sync});</li>
 * <li>Execute: every operator streams its off-chip bytes from the memory tier that holds them, in tiles of one PMU
 *     ({@code pmu_capacity}), or larger tiles where a stream would need more than {@link #MAX_TILES}, into the PMU
 *     buffers the allocator gave it, used as a ring: a tile may start streaming once its buffer's previous tile has been consumed. Weights
 *     are shared by the batch; the KV cache is each sample's own, so sample b's attention streams only its tiles
 *     ({@link #BUFFER_TILES} buffers). A memory streams at its bandwidth (tile time = bytes / bandwidth) and serves
 *     any stream whose tile may start, filling idle gaps, earlier bookings first. The operator's PCU group computes a
 *     tile for a sample once the tile has arrived and that sample's input is ready: compute = (FLOPs/2 +
 *     element-wise ops) / (PCUs x lanes x stages x clock) + transcendental ops / (PCUs x lanes x clock), split
 *     evenly over tiles and samples. When the buffers hold the whole weight, each sample runs through all tiles
 *     before the next sample, and the weights stream when their buffers free, ahead of the compute; otherwise each
 *     tile serves every sample before its buffer takes the next tile. A sample's output is ready pipelineDepth
 *     cycles after its last tile;</li>
 * <li>KernelLooping: the decoder layers are iterations of one call, so the next layer's tiles stream while this layer
 *     computes (the PMU buffers carry over); without it every layer is a call of its own, and HBM idles through the
 *     drain, barrier and launch between layers;</li>
 * <li>BatchStreaming: sample b enters layer l as soon as it leaves layer l-1; without it, layer l starts for any
 *     sample only when every sample has left layer l-1. It gains where a sample's path through a layer (its own
 *     attention, the all-reduce latencies) is longer than what the memory has to stream for the layer;</li>
 * <li>tensor parallelism: sockets are alike, so socket 0 is timed; each sample's collective streams over its P2P
 *     links tile by tile behind the operator that produces it;</li>
 * <li>kernels smaller than a layer (unfused, or a GPU's kernel-by-kernel schedule) write their output to HBM and the
 *     next call reads it back.</li>
 * </ol>
 * Modeled times are doubles computed in a fixed order, so the same run gives the same times bit for bit.
 */
public final class TimingEngine {

    /** Streaming tiles per operator at most: beyond that, more tiles only add events, not accuracy. */
    public static final int MAX_TILES = 8;
    /** PMU stage buffers of a KV-cache stream (double buffering). */
    public static final int BUFFER_TILES = 2;

    private static final int TIERS = Tier.values().length;

    private final Chip chip;
    private final Schedule schedule;
    private final ModelConfig config;
    private final int batch;
    private final Map<Node, Operator> operators = new IdentityHashMap<>();
    private final Map<KernelCall, String> programs = new IdentityHashMap<>();
    /** One PCU group per slot of each kernel's body: the same slot of every layer runs on the same PCUs. */
    private final List<Timeline> pcuGroups = new ArrayList<>();
    /** The nodes that read or write the KV cache, for Eq. 3's roofline. */
    private final List<Node> kvNodes = new ArrayList<>();

    private final Timeline host = new Timeline(Resource.host("host runtime"));
    private final Timeline agcu = new Timeline(new Resource(0, "AGCU"));
    private final Timeline hbm = new Timeline(new Resource(0, "HBM"), true);
    private final Timeline ddr = new Timeline(new Resource(0, "DDR"), true);
    private final Timeline p2p = new Timeline(new Resource(0, "P2P out"));
    /**
     * Per output tile and sample of the last operator run: when that sample's compute of the tile ended. An
     * all-reduce streams each sample's tiles behind it.
     */
    private double[][] previousDone = new double[0][];
    private String loadedProgram = "";

    /**
     * What the engine needs of a node at every step, worked out once: its cost (at position 0: attention's grows
     * with the position and is evaluated per step), its fabric and PCU group, its name in traces, its weight tiles,
     * its weight buffers in those tiles and the memory tier its weight lives in.
     */
    private record Operator(Cost cost, OperatorAllocation allocation, Timeline pcu, String name, int weightTiles,
                            int weightBufferTiles, Tier weightTier) {
    }

    public TimingEngine(Chip chip, Schedule schedule) {
        this.chip = chip;
        this.schedule = schedule;
        this.config = schedule.config();
        this.batch = schedule.options().batch();
        int allocationPosition = config.maxPositions() / 2; // PCUs are split for a mid-context attention cost
        Map<String, Timeline> pcuGroupNamed = new HashMap<>();
        for (KernelCall call : schedule.calls()) {
            List<Node> body = call.iterations().getFirst();
            List<Cost> costs = body.stream().map(n -> CostModel.of(n.op(), config, batch, allocationPosition)).toList();
            KernelAllocation allocation = Allocator.allocate(call, costs, chip);
            for (List<Node> iteration : call.iterations()) {
                for (int slot = 0; slot < iteration.size(); slot++) {
                    Node node = iteration.get(slot);
                    if (node.op() instanceof Op.Attention || node.op() instanceof Op.KvWrite) {
                        kvNodes.add(node);
                    }
                    String name = opName(node);
                    // the same slot of every layer is the same PCU group: one timeline per name
                    String group = String.format(Locale.ROOT, "PCU %s %02d %s",
                            call.part().name().toLowerCase(Locale.ROOT), slot, name);
                    Timeline pcu = pcuGroupNamed.computeIfAbsent(group, n -> {
                        var timeline = new Timeline(new Resource(0, n));
                        pcuGroups.add(timeline);
                        return timeline;
                    });
                    operators.put(node, operator(node, allocation.operators().get(slot), pcu, name));
                }
            }
            programs.put(call, call.part() + " " + body.stream().map(n -> n.op().getClass().getSimpleName()).toList());
        }
    }

    /**
     * Starts a new run at modeled time 0: every resource idle, no program loaded. Without it a second generation
     * would queue behind the first one's work.
     */
    public void reset() {
        for (Timeline t : List.of(host, agcu, hbm, ddr, p2p)) {
            t.reset();
        }
        for (Timeline pcu : pcuGroups) {
            pcu.reset();
        }
        loadedProgram = "";
    }

    /**
     * Models decode step {@code step} (sequence position {@code position}) starting at {@code startNs}, when the
     * previous step's token is known.
     *
     * @param trace whether to keep every slice (for Chrome traces); off, a step records no slices and builds no
     *              names
     */
    public StepTiming step(int step, int position, double startNs, boolean trace) {
        List<Slice> slices = trace ? new ArrayList<>() : null;
        var bytes = new long[TIERS];
        double t = startNs;
        boolean hostTakesOver = step % schedule.options().offloadSteps() == 0;
        t = hostTakesOver
                ? host.use(t, chip.hostStepNs(), label(slices, "decode step", step), args(slices, step), slices)
                : agcu.use(t, chip.agcuStepNs(), label(slices, "offloaded step", step), args(slices, step), slices);
        // kernels smaller than a layer hand their output to the next one through HBM
        boolean unfused = schedule.options().fusion() != Schedule.Fusion.LAYER;
        long previousOutput = 0;
        for (KernelCall call : schedule.calls()) {
            Map<String, Object> args = slices == null ? Map.of() : Map.of("token", step, "kernel", call.name());
            t = schedule.options().hardwareOrchestration()
                    ? agcu.use(t, chip.hardwareLaunchNs(), label(slices, "launch", call.name()), args, slices)
                    : host.use(t, chip.softwareLaunchNs(), label(slices, "launch", call.name()), args, slices);
            String program = programs.get(call);
            if (!program.equals(loadedProgram)) {
                t = agcu.use(t, chip.programLoadNs(), label(slices, "program load", call.name()), args, slices);
                loadedProgram = program;
            }
            t = agcu.use(t, chip.argumentLoadNs(), label(slices, "argument load", call.name()), args, slices);
            if (unfused && previousOutput > 0) {
                // unfused: this kernel's input comes back from HBM, where the previous kernel left it
                t = transfer(Tier.HBM, previousOutput, t, label(slices, "read input of", call.name()), args, bytes, slices);
            }
            t = execute(call, step, position, t, bytes, slices);
            if (unfused) {
                previousOutput = cost(call.iterations().getFirst().getLast(), position).activationBytes();
                t = transfer(Tier.HBM, previousOutput, t, label(slices, "write output of", call.name()), args, bytes, slices);
            }
            t = agcu.use(t, chip.kernelSyncNs(), label(slices, "sync", call.name()), args, slices);
        }
        return new StepTiming(step, startNs, t, bytes[Tier.HBM.ordinal()], bytes[Tier.DDR.ordinal()],
                schedule.kernelCallsPerStep(), slices == null ? List.of() : slices);
    }

    /** Execute phase of one call: returns when every sample's last operator output is ready. */
    double execute(KernelCall call, int step, int position, double start, long[] bytes, List<Slice> slices) {
        previousDone = new double[0][]; // an all-reduce streams behind its producer only within one kernel
        hbm.forgetBefore(start);
        ddr.forgetBefore(start);
        double[] inputReady = new double[batch];
        Arrays.fill(inputReady, start);
        // per operator slot of the loop body: its weight buffers and its KV-cache buffers, kept across iterations
        int slots = call.iterations().getFirst().size();
        var weightBuffers = new TileBuffers[slots];
        var kvBuffers = new TileBuffers[slots];
        var prefetched = new Tile[slots][];
        for (List<Node> iteration : call.iterations()) {
            if (!schedule.options().batchStreaming()) {
                Arrays.fill(inputReady, latest(inputReady));
            }
            // weights held whole on chip stream as soon as their buffers free, ahead of this iteration's compute
            for (int slot = 0; slot < slots; slot++) {
                Node node = iteration.get(slot);
                prefetched[slot] = null;
                if (isCollective(node)) {
                    continue;
                }
                Operator operator = operators.get(node);
                if (weightBuffers[slot] == null) {
                    weightBuffers[slot] = new TileBuffers(operator.weightBufferTiles(), start);
                    kvBuffers[slot] = new TileBuffers(BUFFER_TILES, start);
                }
                if (operator.cost().weightBytes() > 0 && operator.weightBufferTiles() >= operator.weightTiles()) {
                    prefetched[slot] = streamWeights(call, node, operator, step, weightBuffers[slot], bytes, slices);
                }
            }
            for (int slot = 0; slot < slots; slot++) {
                Node node = iteration.get(slot);
                if (isCollective(node)) {
                    runCollective(call, node, step, inputReady, slices);
                } else {
                    runOperator(call, node, step, position, weightBuffers[slot], kvBuffers[slot], prefetched[slot],
                            inputReady, bytes, slices);
                }
            }
        }
        return latest(inputReady);
    }

    /** When the last sample is ready (the batch has at least one sample). */
    private static double latest(double[] ready) {
        double latest = ready[0];
        for (double r : ready) {
            latest = Math.max(latest, r);
        }
        return latest;
    }

    private static boolean isCollective(Node node) {
        return node.op() instanceof Op.AllReduce || node.op() instanceof Op.AllGather;
    }

    /** A weight tile in flight: the buffer it streams into and when it has arrived there. */
    private record Tile(int buffer, double arrivedNs) {
    }

    /**
     * A collective (an all-reduce, or the logits' all-gather) streams each sample's part of each tile of its
     * producer's output to the peer sockets as soon as that sample's tile is computed (pipelined with the down
     * projection, no HBM hop): P2P time = bytes / P2P bandwidth per tile, plus two link latencies for an all-reduce
     * (reduce-scatter, then all-gather, one hop each on the direct socket-to-socket links) or one for an all-gather;
     * then the adds.
     */
    private void runCollective(KernelCall call, Node node, int step, double[] inputReady, List<Slice> slices) {
        Operator operator = operators.get(node);
        Cost cost = operator.cost();
        String kind = node.op().getClass().getSimpleName();
        Map<String, Object> args = slices == null ? Map.of() : Map.of("token", step, "kernel", call.name(),
                "layer", node.layer(), "op", kind);
        int tiles = Math.max(1, previousDone.length);
        long sampleBytes = cost.p2pBytes() / batch;
        Timeline pcu = operator.pcu();
        double addsPerSample = computeNs(cost, operator.allocation().pcus()) / batch;
        double pipelineNs = cost.pipelineDepth() / chip.clockHz() * 1e9;
        int hops = node.op() instanceof Op.AllReduce ? 2 : 1;
        for (int b = 0; b < batch; b++) {
            double arrived = 0;
            for (int tile = 0; tile < tiles; tile++) {
                long tileBytes = sampleBytes / tiles + (tile < sampleBytes % tiles ? 1 : 0);
                double ready = tile < previousDone.length ? previousDone[tile][b] : inputReady[b];
                Map<String, Object> withBytes = slices == null ? args : with(args, "bytes", tileBytes);
                arrived = p2p.use(ready, tileBytes / chip.p2pBandwidth() * 1e9, kind, withBytes, slices);
            }
            double reduced = arrived + hops * chip.p2pLatencyNs();
            inputReady[b] = pcu.use(Math.max(reduced, inputReady[b]), addsPerSample, kind, args, slices) + pipelineNs;
        }
        previousDone = new double[0][];
    }

    /**
     * One operator for every sample. Its weights stream once, in tiles every sample uses: if they were prefetched
     * whole, each sample runs through all tiles before the next sample starts, so samples need not move in lockstep;
     * otherwise each tile serves every sample before its buffer takes the next tile. Then each sample streams its own
     * KV-cache tiles, if the operator reads any.
     */
    private void runOperator(KernelCall call, Node node, int step, int position, TileBuffers weightBuffers,
                             TileBuffers kvBuffers, Tile[] prefetched, double[] inputReady, long[] bytes,
                             List<Slice> slices) {
        Operator operator = operators.get(node);
        Cost cost = cost(node, position);
        OperatorAllocation allocation = operator.allocation();
        Timeline pcu = operator.pcu();
        String name = operator.name();
        Map<String, Object> args = slices == null ? Map.of() : Map.of("token", step, "kernel", call.name(),
                "layer", node.layer(), "op", node.op().getClass().getSimpleName(), "pcus", allocation.pcus());

        long sampleKv = cost.kvReadBytes() / batch;
        int kvTiles = tiles(sampleKv);
        // an operator with nothing to stream still computes, as one tile that needs no memory
        int weightTiles = cost.weightBytes() > 0 || kvTiles == 0 ? Math.max(1, operator.weightTiles()) : 0;
        double computePerTileSample = computeNs(cost, allocation.pcus()) / batch / (weightTiles + kvTiles);
        double[][] done = new double[weightTiles][batch];
        if (prefetched != null) {
            for (int b = 0; b < batch; b++) {
                for (int tile = 0; tile < weightTiles; tile++) {
                    double ready = Math.max(prefetched[tile].arrivedNs(), inputReady[b]);
                    done[tile][b] = pcu.use(ready, computePerTileSample, name, args, slices);
                }
            }
            for (int tile = 0; tile < weightTiles; tile++) {
                weightBuffers.release(prefetched[tile].buffer(), done[tile][batch - 1]);
            }
        } else {
            Tier tier = operator.weightTier();
            for (int tile = 0; tile < weightTiles; tile++) {
                int buffer = weightBuffers.take();
                double arrived = streamTile(tier, cost.weightBytes(), weightTiles, tile,
                        weightBuffers.freeAtNs(buffer), name, args, bytes, slices);
                for (int b = 0; b < batch; b++) {
                    done[tile][b] = pcu.use(Math.max(arrived, inputReady[b]), computePerTileSample, name, args,
                            slices);
                }
                weightBuffers.release(buffer, done[tile][batch - 1]);
            }
        }
        double[] sampleDone = weightTiles > 0 ? done[weightTiles - 1].clone() : inputReady.clone();
        Tier kvTier = schedule.kvCache().tier();
        for (int b = 0; b < batch; b++) {
            for (int tile = 0; tile < kvTiles; tile++) {
                int buffer = kvBuffers.take();
                double arrived = streamTile(kvTier, sampleKv, kvTiles, tile, kvBuffers.freeAtNs(buffer), name, args,
                        bytes, slices);
                sampleDone[b] = pcu.use(Math.max(arrived, Math.max(inputReady[b], sampleDone[b])),
                        computePerTileSample, name, args, slices);
                kvBuffers.release(buffer, sampleDone[b]);
            }
        }
        previousDone = kvTiles == 0 ? done : new double[][] {sampleDone};
        double pipelineNs = cost.pipelineDepth() / chip.clockHz() * 1e9;
        for (int b = 0; b < batch; b++) {
            inputReady[b] = sampleDone[b] + pipelineNs;
            if (cost.kvWriteBytes() > 0) {
                inputReady[b] = transfer(kvTier, cost.kvWriteBytes() / batch, inputReady[b], "KV write", args, bytes,
                        slices);
            }
        }
    }

    /** Streams every weight tile of an operator whose buffers hold its whole weight, as soon as each buffer frees. */
    private Tile[] streamWeights(KernelCall call, Node node, Operator operator, int step, TileBuffers buffers,
                                 long[] bytes, List<Slice> slices) {
        Map<String, Object> args = slices == null ? Map.of() : Map.of("token", step, "kernel", call.name(),
                "layer", node.layer(), "op", node.op().getClass().getSimpleName());
        int count = operator.weightTiles();
        Tile[] tiles = new Tile[count];
        for (int tile = 0; tile < count; tile++) {
            int buffer = buffers.take();
            tiles[tile] = new Tile(buffer, streamTile(operator.weightTier(), operator.cost().weightBytes(), count, tile,
                    buffers.freeAtNs(buffer), operator.name(), args, bytes, slices));
        }
        return tiles;
    }

    /**
     * The node's {@link Operator}. Its weight buffers are the allocator's, counted in this engine's tiles: two copies
     * of the whole weight are two sets of its tiles; a streaming buffer holds one tile (an engine tile stands for
     * several PMU tiles when a weight exceeds {@link #MAX_TILES} PMUs).
     */
    private Operator operator(Node node, OperatorAllocation allocation, Timeline pcu, String name) {
        Cost cost = CostModel.of(node.op(), config, batch, 0);
        int weightTiles = tiles(cost.weightBytes());
        int bufferTiles = weightTiles == 0 ? 1
                : allocation.weightCopies() * (allocation.wholeWeights() ? weightTiles : 1);
        Tier tier = node.op().weightTensor() != null ? schedule.placement(node.op()).tier() : Tier.HBM;
        return new Operator(cost, allocation, pcu, name, weightTiles, bufferTiles, tier);
    }

    /**
     * Tiles for streaming {@code bytes}: one per PMU ({@code pmu_capacity}) of bytes, but at most {@link #MAX_TILES}
     * (larger tiles beyond that); none for no bytes.
     */
    private int tiles(long bytes) {
        return (int) Math.min(Math.ceilDiv(bytes, chip.pmuBytes()), MAX_TILES);
    }

    /** Streams tile {@code tile} of {@code tiles} over {@code total} bytes into a buffer free from {@code freeNs}. */
    private double streamTile(Tier tier, long total, int tiles, int tile, double freeNs, String name,
                              Map<String, Object> args, long[] bytes, List<Slice> slices) {
        long tileBytes = total / tiles + (tile < total % tiles ? 1 : 0);
        return tileBytes == 0 ? freeNs : transfer(tier, tileBytes, freeNs, name, args, bytes, slices);
    }

    private double transfer(Tier tier, long count, double earliest, String name, Map<String, Object> args,
                            long[] bytes, List<Slice> slices) {
        bytes[tier.ordinal()] += count;
        Timeline memory = tier == Tier.HBM ? hbm : ddr;
        double bandwidth = tier == Tier.HBM ? chip.hbmBandwidth() : chip.ddrBandwidth();
        Map<String, Object> withBytes = slices == null ? args : with(args, "bytes", count);
        return memory.use(earliest, count / bandwidth * 1e9, name, withBytes, slices);
    }

    /** Compute time of an operator on its PCU group: lane operations on all stages, transcendentals on the tail. */
    private double computeNs(Cost cost, int pcus) {
        double lanes = (double) pcus * chip.pcuLanes();
        double pipelined = (cost.flops() / 2 + cost.elementwiseOps()) / (lanes * chip.pcuStages());
        double tail = cost.transcendentalOps() / lanes;
        return (pipelined + tail) / chip.clockHz() * 1e9;
    }

    private Cost cost(Node node, int position) {
        return node.op() instanceof Op.Attention ? CostModel.of(node.op(), config, batch, position)
                : operators.get(node).cost();
    }

    private static String opName(Node node) {
        Op op = node.op();
        if (op.weightTensor() != null) {
            return op.getClass().getSimpleName() + " " + op.weightTensor().name()
                    .replaceFirst("^(model\\.)?layers\\.\\d+\\.", "").replaceFirst("\\.weight$", "");
        }
        return op.getClass().getSimpleName();
    }

    /** A slice name, built only when the step is traced: untraced steps stay free of string work. */
    private static String label(List<Slice> slices, String action, Object subject) {
        return slices == null ? null : action + " " + subject;
    }

    private static Map<String, Object> args(List<Slice> slices, int step) {
        return slices == null ? Map.of() : Map.of("token", step);
    }

    private static Map<String, Object> with(Map<String, Object> args, String key, Object value) {
        var copy = new HashMap<>(args);
        copy.put(key, value);
        return copy;
    }

    /** Weight bytes one decode step streams (every operator's weights once), for Eq. 3's roofline. */
    public long weightBytesPerStep() {
        return schedule.weightBytesPerStep();
    }

    /** KV-cache bytes one sample reads and writes at {@code position}, for Eq. 3's roofline. */
    public long kvBytesPerSample(int position) {
        long total = 0;
        for (Node node : kvNodes) {
            Cost c = cost(node, position);
            total += c.kvReadBytes() + c.kvWriteBytes();
        }
        return total / batch;
    }
}
