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
import rdu.tensor.Tensor;

/**
 * Modeled time of passes on one socket: walks the same schedule the functional executor runs and books every piece
 * of work on the resource that does it. A pass runs the schedule over n >= 1 consecutive positions of every sample
 * ({@link Pass}): n = 1 for a decode step. Each resource is a timeline (work on it is serialized); a task starts
 * when its inputs are ready and its resource is free. What is timed, per pass:
 * <ol>
 * <li>control: the host takes over before the pass ({@code host_step}), or, inside a ScheduleOffloading window of M
 *     steps, the AGCU moves on by itself ({@code agcu_step}); the caller says which;</li>
 * <li>per kernel call: launch by host software ({@code software_launch}) or the AGCU ({@code hardware_launch}), then
 *     Program Load (only when the program differs from the last call's on the socket, which may be another
 *     engine's: see {@link SocketTimelines}) and Argument Load, then Execute, then a barrier
 *     ({@code kernel_sync});</li>
 * <li>Execute: work flows through the operators in rows: each sample's n positions are W = min(n,
 *     {@link #MAX_WAVES}) waves of about n / W positions, so a pass has R = B x W rows (R = B at n = 1). Every
 *     operator streams its off-chip bytes from the memory tier that holds them, in tiles of one PMU
 *     ({@code pmu_capacity}), or larger tiles where a stream would need more than {@link #MAX_TILES}, into the PMU
 *     buffers the allocator gave it, used as a ring: a tile may start streaming once its buffer's previous tile has
 *     been consumed. Weights stream once per pass, in tiles every row uses. The KV cache is each sample's own:
 *     sample b's attention streams only its tiles ({@link #BUFFER_TILES} buffers), once per pass, and each tile
 *     serves the sample's W waves in turn while it is on chip, so a sample's waves leave attention together;</li>
 * <li>memory: a transfer is made of requests, each filling one PMU buffer at most and never spanning two tensors (a
 *     Mixture-of-Experts layer streams each touched expert as its own transfer); it keeps the memory busy for
 *     requests x {@code memory_request} + bytes / (bandwidth x efficiency) ({@code hbm_efficiency},
 *     {@code ddr_efficiency}), so short transfers (small tiles, a short context's KV cache, an expert's slice on
 *     one of many sockets) stream less efficiently than long ones. A memory serves any stream whose tile may start,
 *     filling idle gaps, earlier bookings first;</li>
 * <li>compute: the operator's PCU group computes a tile for a row once the tile has arrived and that row's input is
 *     ready, in (C / R) / tiles, where C is the operator's compute in the pass: C = FLOPs/2 / (PCUs x lanes x
 *     min(r, stages) x clock) + element-wise ops / (PCUs x lanes x stages x clock) + transcendental ops / (PCUs x
 *     lanes x clock). r is the token rows that share each weight (B x n; attention: the n positions of one sample,
 *     whose cache is its own; a Mixture-of-Experts layer counts every row too, though each expert sees only the
 *     rows routed to it): a PCU's stages multiply a weight by that many rows at once, so a matrix-vector
 *     product at batch 1 uses one stage in {@code pcu_stages} and a batch or a prefill fills the array. When the
 *     buffers hold the whole weight, each row runs through all tiles before the next row, and the weights stream
 *     when their buffers free, ahead of the compute; otherwise each tile serves every row before its buffer takes
 *     the next tile, so no row is done before the last tile. A row's output is ready pipelineDepth cycles after its
 *     last tile plus the on-chip network's {@code noc_hops} x {@code noc_hop_latency} to the next operator, which
 *     (its own PCU group) may start on it while this one computes the following rows: the waves of a long pass keep
 *     several operators busy at once;</li>
 * <li>KernelLooping: the decoder layers are iterations of one call, so the next layer's tiles stream while this layer
 *     computes (the PMU buffers carry over); without it every layer is a call of its own, and HBM idles through the
 *     drain, barrier and launch between layers;</li>
 * <li>BatchStreaming: row r enters layer l as soon as it leaves layer l-1; without it, layer l starts for any row
 *     only when every row has left layer l-1. It gains where a sample's path through a layer (its own attention,
 *     the all-reduce latencies) is longer than what the memory has to stream for the layer;</li>
 * <li>tensor parallelism: sockets are alike, so socket 0 is timed; each row's collective streams over its P2P
 *     links tile by tile behind the operator that produces it;</li>
 * <li>kernels smaller than a layer (unfused, or a GPU's kernel-by-kernel schedule) write their output to HBM and the
 *     next call reads it back.</li>
 * </ol>
 * Every pass, whatever its positions, runs the one program compiled for the schedule: the PCU split and weight
 * buffers are the allocator's for a decode step at mid-context. Modeled times are doubles computed in a fixed order,
 * so the same run gives the same times bit for bit.
 */
public final class TimingEngine {

    /** Streaming tiles per operator at most: beyond that, more tiles only add events, not accuracy. */
    public static final int MAX_TILES = 8;
    /** PMU stage buffers of a KV-cache stream (double buffering). */
    public static final int BUFFER_TILES = 2;
    /**
     * Waves a sample's positions flow through the operators in, at most. More waves fill a layer's pipeline of
     * operators further, at the cost of more events per pass; 8 is a choice, not fitted to any result.
     */
    public static final int MAX_WAVES = 8;

    private static final int TIERS = Tier.values().length;

    private final Chip chip;
    private final Schedule schedule;
    private final ModelConfig config;
    private final int batch;
    private final Map<Node, Operator> operators = new IdentityHashMap<>();
    /** Per call, its operators by iteration and slot: what a pass walks, without a lookup per node. */
    private final Map<KernelCall, Operator[][]> callOperators = new IdentityHashMap<>();
    private final Map<KernelCall, Program> programs = new IdentityHashMap<>();
    /**
     * Per call, its time-multiplexed program, which a pass over several positions may run instead (see
     * {@link #pass}): the same operators one after another, each on every PCU the call holds.
     */
    private final Map<KernelCall, Program> multiplexedPrograms = new IdentityHashMap<>();
    /** Per call, the timeline of all its PCUs together, which its time-multiplexed program uses. */
    private final Map<KernelCall, Timeline> wholeCall = new IdentityHashMap<>();
    /** Per call, the PCUs its operators hold together. */
    private final Map<KernelCall, Integer> callPcus = new IdentityHashMap<>();
    /** One PCU group per slot of each kernel's body: the same slot of every layer runs on the same PCUs. */
    private final List<Timeline> pcuGroups = new ArrayList<>();
    /** The nodes that read or write the KV cache, for Eq. 3's roofline. */
    private final List<Node> kvNodes = new ArrayList<>();

    /** The host, AGCU, memories and links, which another engine on the same socket may share. */
    private final SocketTimelines socket;
    /**
     * Per output tile and row of the last operator run: when that row's compute of the tile ended. An all-reduce
     * streams each row's tiles behind it.
     */
    private double[][] previousDone = new double[0][];

    /**
     * What the engine needs of a node at every pass, worked out once: its cost in a decode step at position 0
     * (attention's grows with the position, and every cost with the positions of a pass: those are evaluated per
     * pass), its fabric and PCU group, its name in traces, its weight buffers counted in weight tiles and the memory
     * tier its weight lives in.
     */
    private record Operator(Cost cost, OperatorAllocation allocation, Timeline pcu, String name,
                            int weightBufferTiles, Tier weightTier) {
    }

    /** The program of a kernel call: its operators, in this engine (another engine's are other programs). */
    private record Program(TimingEngine engine, String kernels, boolean timeMultiplexed) {
    }

    /** An engine with the socket's resources to itself. */
    public TimingEngine(Chip chip, Schedule schedule) {
        this(chip, schedule, new SocketTimelines());
    }

    /**
     * An engine sharing {@code socket}'s resources with the other engines given it: a draft and a target program on
     * one socket. Their passes must not overlap in modeled time (see {@link SocketTimelines}).
     */
    public TimingEngine(Chip chip, Schedule schedule, SocketTimelines socket) {
        this.chip = chip;
        this.schedule = schedule;
        this.socket = socket;
        this.config = schedule.config();
        this.batch = schedule.options().batch();
        int allocationPosition = config.maxPositions() / 2; // PCUs are split for a mid-context attention cost
        Map<String, Timeline> pcuGroupNamed = new HashMap<>();
        for (KernelCall call : schedule.calls()) {
            List<Node> body = call.iterations().getFirst();
            List<Cost> costs = body.stream().map(n -> CostModel.of(n.op(), config, batch, allocationPosition)).toList();
            KernelAllocation allocation = Allocator.allocate(call, costs, chip);
            var byIteration = new Operator[call.iterations().size()][];
            for (int i = 0; i < byIteration.length; i++) {
                List<Node> iteration = call.iterations().get(i);
                byIteration[i] = new Operator[iteration.size()];
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
                    byIteration[i][slot] = operator(node, allocation.operators().get(slot), pcu, name);
                    operators.put(node, byIteration[i][slot]);
                }
            }
            callOperators.put(call, byIteration);
            String kernels = call.part() + " " + body.stream().map(n -> n.op().kind()).toList();
            programs.put(call, new Program(this, kernels, false));
            multiplexedPrograms.put(call, new Program(this, kernels, true));
            callPcus.put(call, allocation.operators().stream().mapToInt(OperatorAllocation::pcus).sum());
            wholeCall.put(call, pcuGroupNamed.computeIfAbsent("PCU " + call.part().name().toLowerCase(Locale.ROOT)
                    + " all (passes of several positions)", n -> {
                        var timeline = new Timeline(new Resource(0, n));
                        pcuGroups.add(timeline);
                        return timeline;
                    }));
        }
    }

    /**
     * Starts a new run at modeled time 0: every resource idle, no program loaded. Without it a second generation
     * would queue behind the first one's work. It resets the socket's shared resources too; reset every engine
     * sharing the socket, as each keeps its own PCU groups.
     */
    public void reset() {
        socket.reset();
        for (Timeline pcu : pcuGroups) {
            pcu.reset();
        }
    }

    /**
     * Models {@code pass} as step {@code step} starting at {@code startNs}, when its input tokens are known.
     *
     * @param hostTakesOver whether the host takes control before the pass ({@code host_step}), rather than the AGCU
     *                      moving on by itself inside an offloaded schedule ({@code agcu_step})
     * @param trace         whether to keep every slice (for Chrome traces); off, a pass records no slices and builds
     *                      no names
     */
    public StepTiming pass(int step, Pass pass, boolean hostTakesOver, double startNs, boolean trace) {
        if (pass.positions() == 1) {
            return pass(step, pass, false, hostTakesOver, startNs, trace);
        }
        // several positions: the compiler builds the spatial pipeline or the time-multiplexed program, whichever
        // finishes this pass first (a long prefill is compute-bound on the first, a short verify pass may not be)
        SocketTimelines.State socketBefore = socket.state();
        List<Timeline.State> pcusBefore = pcuGroups.stream().map(Timeline::state).toList();
        StepTiming spatial = pass(step, pass, false, hostTakesOver, startNs, trace);
        SocketTimelines.State socketAfterSpatial = socket.state();
        List<Timeline.State> pcusAfterSpatial = pcuGroups.stream().map(Timeline::state).toList();
        restore(socketBefore, pcusBefore);
        StepTiming multiplexed = pass(step, pass, true, hostTakesOver, startNs, trace);
        if (multiplexed.endNs() < spatial.endNs()) {
            return multiplexed;
        }
        restore(socketAfterSpatial, pcusAfterSpatial);
        return spatial;
    }

    private void restore(SocketTimelines.State socketState, List<Timeline.State> pcuStates) {
        socket.restore(socketState);
        for (int i = 0; i < pcuGroups.size(); i++) {
            pcuGroups.get(i).restore(pcuStates.get(i));
        }
    }

    /** {@link #pass} with the program given: the spatial pipeline, or the time-multiplexed one. */
    StepTiming pass(int step, Pass pass, boolean timeMultiplexed, boolean hostTakesOver, double startNs,
                    boolean trace) {
        List<Slice> slices = trace ? new ArrayList<>() : null;
        var bytes = new long[TIERS];
        double t = startNs;
        String control = slices == null ? null
                : (hostTakesOver ? "" : "offloaded ") + pass.phase().label() + " step";
        t = hostTakesOver
                ? socket.host.use(t, chip.hostStepNs(), label(slices, control, step), args(slices, step), slices)
                : socket.agcu.use(t, chip.agcuStepNs(), label(slices, control, step), args(slices, step), slices);
        // kernels smaller than a layer hand their output to the next one through HBM
        boolean unfused = schedule.options().fusion() != Schedule.Fusion.LAYER;
        long previousOutput = 0;
        double executeNs = 0;
        for (KernelCall call : schedule.calls()) {
            Map<String, Object> args = slices == null ? Map.of() : Map.of("token", step, "kernel", call.name());
            t = schedule.options().hardwareOrchestration()
                    ? socket.agcu.use(t, chip.hardwareLaunchNs(), label(slices, "launch", call.name()), args, slices)
                    : socket.host.use(t, chip.softwareLaunchNs(), label(slices, "launch", call.name()), args, slices);
            Program program = (timeMultiplexed ? multiplexedPrograms : programs).get(call);
            if (!program.equals(socket.loadedProgram)) {
                t = socket.agcu.use(t, chip.programLoadNs(), label(slices, "program load", call.name()), args, slices);
                socket.loadedProgram = program;
            }
            t = socket.agcu.use(t, chip.argumentLoadNs(), label(slices, "argument load", call.name()), args, slices);
            if (unfused && previousOutput > 0) {
                // unfused: this kernel's input comes back from HBM, where the previous kernel left it
                t = transfer(Tier.HBM, previousOutput, previousOutput, t, label(slices, "read input of", call.name()),
                        args, bytes, slices);
            }
            double executeStart = t;
            t = execute(call, step, pass, timeMultiplexed, t, bytes, slices);
            executeNs += t - executeStart;
            if (unfused) {
                previousOutput = cost(call.iterations().getFirst().getLast(), pass).activationBytes();
                t = transfer(Tier.HBM, previousOutput, previousOutput, t,
                        label(slices, "write output of", call.name()), args, bytes, slices);
            }
            t = socket.agcu.use(t, chip.kernelSyncNs(), label(slices, "sync", call.name()), args, slices);
        }
        return new StepTiming(step, pass, startNs, t, bytes[Tier.HBM.ordinal()], bytes[Tier.DDR.ordinal()],
                schedule.kernelCallsPerStep(), executeNs, slices == null ? List.of() : slices);
    }

    /** Execute phase of one call: returns when every row's last operator output is ready. */
    double execute(KernelCall call, int step, Pass pass, boolean timeMultiplexed, double start, long[] bytes,
                   List<Slice> slices) {
        previousDone = new double[0][]; // an all-reduce streams behind its producer only within one kernel
        socket.hbm.forgetBefore(start);
        socket.ddr.forgetBefore(start);
        int waves = Math.min(pass.positions(), MAX_WAVES);
        double[] inputReady = new double[batch * waves];
        Arrays.fill(inputReady, start);
        // per operator slot of the loop body: its weight buffers and its KV-cache buffers, kept across iterations
        int slots = call.iterations().getFirst().size();
        var weightBuffers = new TileBuffers[slots];
        var kvBuffers = new TileBuffers[slots];
        var prefetched = new Tile[slots][];
        var costs = new Cost[slots];
        Operator[][] byIteration = callOperators.get(call);
        for (int i = 0; i < byIteration.length; i++) {
            List<Node> iteration = call.iterations().get(i);
            Operator[] ops = byIteration[i];
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
                Operator operator = ops[slot];
                costs[slot] = cost(operator, node, pass);
                if (weightBuffers[slot] == null) {
                    weightBuffers[slot] = new TileBuffers(operator.weightBufferTiles(), start);
                    kvBuffers[slot] = new TileBuffers(BUFFER_TILES, start);
                }
                int weightTiles = tiles(costs[slot].weightBytes());
                if (weightTiles > 0 && operator.weightBufferTiles() >= weightTiles) {
                    prefetched[slot] = streamWeights(call, node, operator, costs[slot], step, weightBuffers[slot],
                            bytes, slices);
                }
            }
            for (int slot = 0; slot < slots; slot++) {
                Node node = iteration.get(slot);
                if (isCollective(node)) {
                    runCollective(call, node, ops[slot], pass, step, inputReady, slices);
                } else {
                    runOperator(call, node, ops[slot], costs[slot], pass, waves, timeMultiplexed, step,
                            weightBuffers[slot], kvBuffers[slot], prefetched[slot], inputReady, bytes, slices);
                }
            }
        }
        return latest(inputReady);
    }

    /** When the last row is ready (a pass has at least one row). */
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
     * A collective (an all-reduce, or the logits' all-gather) streams each row's part of each tile of its
     * producer's output to the peer sockets as soon as that row's tile is computed (pipelined with the down
     * projection, no HBM hop): P2P time = bytes / P2P bandwidth per tile, plus two link latencies for an all-reduce
     * (reduce-scatter, then all-gather, one hop each on the direct socket-to-socket links) or one for an all-gather;
     * then the adds.
     */
    private void runCollective(KernelCall call, Node node, Operator operator, Pass pass, int step,
                               double[] inputReady, List<Slice> slices) {
        Cost cost = cost(operator, node, pass);
        int rows = inputReady.length;
        String kind = node.op().kind();
        Map<String, Object> args = slices == null ? Map.of() : Map.of("token", step, "kernel", call.name(),
                "layer", node.layer(), "op", kind);
        int tiles = Math.max(1, previousDone.length);
        long rowBytes = cost.p2pBytes() / rows;
        Timeline pcu = operator.pcu();
        double addsPerRow = computeNs(cost, operator.allocation().pcus(), rows) / rows;
        double pipelineNs = cost.pipelineDepth() / chip.clockHz() * 1e9 + chip.operatorBoundaryNs();
        int hops = node.op() instanceof Op.AllReduce ? 2 : 1;
        for (int r = 0; r < rows; r++) {
            double arrived = 0;
            for (int tile = 0; tile < tiles; tile++) {
                long tileBytes = rowBytes / tiles + (tile < rowBytes % tiles ? 1 : 0);
                double ready = tile < previousDone.length ? previousDone[tile][r] : inputReady[r];
                Map<String, Object> withBytes = slices == null ? args : with(args, "bytes", tileBytes);
                arrived = socket.p2p.use(ready, tileBytes / chip.p2pBandwidth() * 1e9, kind, withBytes, slices);
            }
            double reduced = arrived + hops * chip.p2pLatencyNs();
            inputReady[r] = pcu.use(Math.max(reduced, inputReady[r]), addsPerRow, kind, args, slices) + pipelineNs;
        }
        previousDone = new double[0][];
    }

    /**
     * One operator for every row of the pass ({@code waves} rows per sample). Its weights stream once, in tiles every
     * row uses: if they were prefetched whole, each row runs through all tiles before the next row starts, so rows
     * need not move in lockstep; otherwise each tile serves every row before its buffer takes the next tile. Then
     * each sample streams its own KV-cache tiles, if the operator reads any, once for all of its waves.
     */
    private void runOperator(KernelCall call, Node node, Operator operator, Cost cost, Pass pass, int waves,
                             boolean timeMultiplexed, int step, TileBuffers weightBuffers, TileBuffers kvBuffers,
                             Tile[] prefetched, double[] inputReady, long[] bytes, List<Slice> slices) {
        // time-multiplexed: each operator in turn on all of the call's PCUs
        int pcus = timeMultiplexed ? callPcus.get(call) : operator.allocation().pcus();
        Timeline pcu = timeMultiplexed ? wholeCall.get(call) : operator.pcu();
        String name = operator.name();
        Map<String, Object> args = slices == null ? Map.of() : Map.of("token", step, "kernel", call.name(),
                "layer", node.layer(), "op", node.op().kind(), "pcus", pcus);

        int rows = inputReady.length;
        long sampleKv = cost.kvReadBytes() / batch;
        int kvTiles = tiles(sampleKv);
        // an operator with nothing to stream still computes, as one tile that needs no memory
        int weightTiles = cost.weightBytes() > 0 || kvTiles == 0 ? Math.max(1, tiles(cost.weightBytes())) : 0;
        // rows sharing each weight: every token row of the pass; attention's cache is one sample's own
        int sharing = node.op() instanceof Op.Attention ? pass.positions() : batch * pass.positions();
        double computePerTileRow = computeNs(cost, pcus, sharing) / rows / (weightTiles + kvTiles);
        long weightPiece = weightPieceBytes(node, cost);
        double[][] done = new double[weightTiles][rows];
        if (prefetched != null) {
            for (int r = 0; r < rows; r++) {
                for (int tile = 0; tile < weightTiles; tile++) {
                    double ready = Math.max(prefetched[tile].arrivedNs(), inputReady[r]);
                    done[tile][r] = pcu.use(ready, computePerTileRow, name, args, slices);
                }
            }
            for (int tile = 0; tile < weightTiles; tile++) {
                weightBuffers.release(prefetched[tile].buffer(), done[tile][rows - 1]);
            }
        } else {
            Tier tier = operator.weightTier();
            for (int tile = 0; tile < weightTiles; tile++) {
                int buffer = weightBuffers.take();
                double arrived = streamTile(tier, cost.weightBytes(), weightPiece, weightTiles, tile,
                        weightBuffers.freeAtNs(buffer), name, args, bytes, slices);
                for (int r = 0; r < rows; r++) {
                    done[tile][r] = pcu.use(Math.max(arrived, inputReady[r]), computePerTileRow, name, args, slices);
                }
                weightBuffers.release(buffer, done[tile][rows - 1]);
            }
        }
        double[] rowDone = weightTiles > 0 ? done[weightTiles - 1].clone() : inputReady.clone();
        Tier kvTier = schedule.kvCache().tier();
        for (int b = 0; b < batch; b++) {
            // every query of the sample meets each tile of its cache while the tile is on chip: waves in turn
            int lastRow = (b + 1) * waves - 1;
            for (int tile = 0; tile < kvTiles; tile++) {
                int buffer = kvBuffers.take();
                double arrived = streamTile(kvTier, sampleKv, sampleKv, kvTiles, tile, kvBuffers.freeAtNs(buffer),
                        name, args, bytes, slices);
                for (int r = b * waves; r <= lastRow; r++) {
                    rowDone[r] = pcu.use(Math.max(arrived, Math.max(inputReady[r], rowDone[r])), computePerTileRow,
                            name, args, slices);
                }
                kvBuffers.release(buffer, rowDone[lastRow]);
            }
        }
        previousDone = kvTiles == 0 ? done : new double[][] {rowDone};
        double pipelineNs = cost.pipelineDepth() / chip.clockHz() * 1e9 + chip.operatorBoundaryNs();
        long kvWrite = cost.kvWriteBytes();
        for (int r = 0; r < rows; r++) {
            inputReady[r] = rowDone[r] + pipelineNs;
            if (kvWrite > 0) {
                long rowBytes = kvWrite / rows + (r < kvWrite % rows ? 1 : 0);
                inputReady[r] = transfer(kvTier, rowBytes, rowBytes, inputReady[r], "KV write", args, bytes, slices);
            }
        }
    }

    /** Streams every weight tile of an operator whose buffers hold its whole weight, as soon as each buffer frees. */
    private Tile[] streamWeights(KernelCall call, Node node, Operator operator, Cost cost, int step,
                                 TileBuffers buffers, long[] bytes, List<Slice> slices) {
        Map<String, Object> args = slices == null ? Map.of() : Map.of("token", step, "kernel", call.name(),
                "layer", node.layer(), "op", node.op().kind());
        int count = tiles(cost.weightBytes());
        long piece = weightPieceBytes(node, cost);
        Tile[] tiles = new Tile[count];
        for (int tile = 0; tile < count; tile++) {
            int buffer = buffers.take();
            tiles[tile] = new Tile(buffer, streamTile(operator.weightTier(), cost.weightBytes(), piece, count, tile,
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
        Tier tier = node.op().weightTensors().isEmpty() ? Tier.HBM : schedule.placement(node.op()).tier();
        return new Operator(cost, allocation, pcu, name, bufferTiles, tier);
    }

    /**
     * Tiles for streaming {@code bytes}: one per PMU ({@code pmu_capacity}) of bytes, but at most {@link #MAX_TILES}
     * (larger tiles beyond that); none for no bytes.
     */
    private int tiles(long bytes) {
        return (int) Math.min(Math.ceilDiv(bytes, chip.pmuBytes()), MAX_TILES);
    }

    /**
     * Streams tile {@code tile} of {@code tiles} over {@code total} bytes, made of tensors of {@code piece} bytes each,
     * into a buffer free from {@code freeNs}.
     */
    private double streamTile(Tier tier, long total, long piece, int tiles, int tile, double freeNs, String name,
                              Map<String, Object> args, long[] bytes, List<Slice> slices) {
        long tileBytes = total / tiles + (tile < total % tiles ? 1 : 0);
        return tileBytes == 0 ? freeNs : transfer(tier, tileBytes, piece, freeNs, name, args, bytes, slices);
    }

    /**
     * The bytes of one tensor in an operator's weight stream: one expert's slice for a Mixture-of-Experts layer (the
     * touched experts are apart in memory), else the whole stream.
     */
    private static long weightPieceBytes(Node node, Cost cost) {
        if (node.op() instanceof Op.Experts x) {
            return 3L * x.inter() * x.stacked().dim(2) * x.stacked().dtype().bytes();
        }
        return Math.max(1, cost.weightBytes());
    }

    /**
     * Moves {@code count} bytes of tensors of {@code piece} bytes each: one request per PMU buffer's worth of one
     * tensor, each costing {@code memory_request}, then the bytes at the sustained bandwidth.
     */
    private double transfer(Tier tier, long count, long piece, double earliest, String name, Map<String, Object> args,
                            long[] bytes, List<Slice> slices) {
        bytes[tier.ordinal()] += count;
        Timeline memory = tier == Tier.HBM ? socket.hbm : socket.ddr;
        double bandwidth = tier == Tier.HBM ? chip.sustainedHbmBandwidth() : chip.sustainedDdrBandwidth();
        long requests = Math.ceilDiv(count, Math.min(chip.pmuBytes(), Math.max(1, piece)));
        Map<String, Object> withBytes = slices == null ? args : with(args, "bytes", count);
        return memory.use(earliest, requests * chip.memoryRequestNs() + count / bandwidth * 1e9, name, withBytes,
                slices);
    }

    /**
     * Compute time of an operator on its PCU group, when {@code sharing} token rows use each weight: products on as
     * many stages as there are such rows (all of them at most), other lane operations on all stages,
     * transcendentals on the tail.
     */
    private double computeNs(Cost cost, int pcus, int sharing) {
        double lanes = (double) pcus * chip.pcuLanes();
        double products = cost.flops() / 2 / (lanes * Math.min(sharing, chip.pcuStages()));
        double elementwise = cost.elementwiseOps() / (lanes * chip.pcuStages());
        double tail = cost.transcendentalOps() / lanes;
        return (products + elementwise + tail) / chip.clockHz() * 1e9;
    }

    /**
     * The node's cost in {@code pass}: worked out once for a decode step, but attention's grows with the position,
     * every cost with the positions of a pass, and the experts' with those the pass's router chose.
     */
    private Cost cost(Node node, Pass pass) {
        return cost(operators.get(node), node, pass);
    }

    private Cost cost(Operator operator, Node node, Pass pass) {
        List<Integer> chosen = node.op() instanceof Op.Experts ? pass.chosen().of(node.layer()) : null;
        return pass.positions() == 1 && !(node.op() instanceof Op.Attention) && chosen == null ? operator.cost()
                : CostModel.of(node.op(), config, batch, pass.position(), pass.positions(), chosen);
    }

    private static String opName(Node node) {
        Op op = node.op();
        if (!op.weightTensors().isEmpty()) {
            // experts by their stacked block, of which a pass streams the chosen ones, not by the first expert
            Tensor named = op instanceof Op.Experts x ? x.stacked() : op.weightTensors().getFirst();
            return op.kind() + " " + named.name()
                    .replaceFirst("^(model\\.)?layers\\.\\d+\\.", "").replaceFirst("\\.weight$", "");
        }
        return op.kind();
    }

    /** A slice name, built only when the pass is traced: untraced passes stay free of string work. */
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

    /**
     * Weight bytes one decode step streams (every operator's weights once), for Eq. 3's roofline. A pass over more
     * positions streams the same, but for the embedding's gathered rows.
     */
    public long weightBytesPerStep() {
        return schedule.weightBytesPerStep();
    }

    /** KV-cache bytes one sample reads and writes in a decode step at {@code position}, for Eq. 3's roofline. */
    public long kvBytesPerSample(int position) {
        return kvBytesPerSample(new Pass(Pass.Phase.DECODE, position, 1));
    }

    /** KV-cache bytes one sample reads and writes in {@code pass}: its cache read once, each new position written. */
    public long kvBytesPerSample(Pass pass) {
        long total = 0;
        for (Node node : kvNodes) {
            Cost c = cost(node, pass);
            total += c.kvReadBytes() + c.kvWriteBytes();
        }
        return total / batch;
    }
}
