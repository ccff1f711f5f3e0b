package rdu.timing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.cost.Cost;
import rdu.cost.CostModel;
import rdu.cost.TestModels;
import rdu.family.Family;
import rdu.graph.DecodeGraph;
import rdu.graph.Op;
import rdu.memory.SocketMemory;
import rdu.memory.Tier;
import rdu.model.ModelConfig;
import rdu.schedule.KernelCall;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;
import rdu.simulate.Simulation;
import rdu.speculative.AcceptanceProfile;
import rdu.tensor.DType;
import rdu.testing.SeparateJvm;

class TimingEngineTest {

    /** hidden 512, vocab 2048: the classifier is 4 MiB of F32, exactly 8 PMU-sized tiles. */
    static final ModelConfig CONFIG = new ModelConfig("LlamaForCausalLM", 512, 1024, 2, 8, 4, 64, 2048, 64, 1e-5f,
            10000, null, false, 1, List.of(2), Family.LLAMA);

    static final Chip SN40L = ChipFile.load("sn40l");

    static DecodeGraph graph() {
        return TestModels.small(CONFIG, DType.F32);
    }

    static Schedule schedule(ScheduleOptions options) {
        return Schedule.compile(graph(), options, new SocketMemory(0, 1L << 40, 0));
    }

    /** SN40L with every fixed overhead removed and the given fabric, so closed forms apply exactly. */
    static Chip idealized(double clockHz, int lanes, double hbmBandwidth) {
        Chip c = SN40L;
        return new Chip(c.name(), c.execution(), c.pcus(), c.pmus(), c.pmuBytes(), c.hbmBytes(), hbmBandwidth, c.ddrBytes(),
                c.ddrBandwidth(), clockHz, lanes, c.pcuStages(), 0, 0, 0, 0, 0, 0, 0, c.p2pBandwidth(), 0, 1, 1, 0, 0,
                0, Map.of());
    }

    /** {@code chip} with the given memory and on-chip network losses. */
    static Chip withLosses(Chip c, double hbmEfficiency, double memoryRequestNs, double nocHopNs, int nocHops) {
        return copy(c, c.p2pLatencyNs(), hbmEfficiency, memoryRequestNs, nocHopNs, nocHops);
    }

    static Chip withP2pLatency(Chip c, double p2pLatencyNs) {
        return copy(c, p2pLatencyNs, c.hbmEfficiency(), c.memoryRequestNs(), c.nocHopNs(), c.nocHops());
    }

    private static Chip copy(Chip c, double p2pLatencyNs, double hbmEfficiency, double memoryRequestNs,
                             double nocHopNs, int nocHops) {
        return new Chip(c.name(), c.execution(), c.pcus(), c.pmus(), c.pmuBytes(), c.hbmBytes(), c.hbmBandwidth(),
                c.ddrBytes(), c.ddrBandwidth(), c.clockHz(), c.pcuLanes(), c.pcuStages(), c.programLoadNs(),
                c.argumentLoadNs(), c.softwareLaunchNs(), c.hardwareLaunchNs(), c.kernelSyncNs(), c.hostStepNs(),
                c.agcuStepNs(), c.p2pBandwidth(), p2pLatencyNs, hbmEfficiency, c.ddrEfficiency(), memoryRequestNs,
                nocHopNs, nocHops, Map.of());
    }

    /** The classifier's kernel call of an unfused schedule: one operator streaming 8 PMU-sized tiles. */
    static KernelCall classifier(Schedule schedule) {
        return schedule.calls().stream()
                .filter(c -> c.nodes().getFirst().op() instanceof Op.MatVec m && m.weight().name().equals("classifier"))
                .findFirst().orElseThrow();
    }

    static Pass decode(int position) {
        return new Pass(Pass.Phase.DECODE, position, 1);
    }

    static double[] stepTimes(Chip chip, ScheduleOptions options, int steps) {
        var engine = new TimingEngine(chip, schedule(options));
        double[] times = new double[steps];
        double t = 0;
        for (int s = 0; s < steps; s++) {
            StepTiming timing = engine.pass(s, decode(s), s % options.offloadSteps() == 0, t, false);
            times[s] = timing.durationNs();
            t = timing.endNs();
        }
        return times;
    }

    /** Modeled tokens/s of a catalog model, timing only, on 16 SN40L sockets at 8K context. */
    static double tokensPerSecond(String model, ScheduleOptions options) {
        return tokensPerSecond(SN40L, model, options);
    }

    /** Modeled tokens/s of a catalog model, timing only, on 16 sockets of {@code chip} at 8K context. */
    static double tokensPerSecond(Chip chip, String model, ScheduleOptions options) {
        var run = Simulation.of(model, chip, 16, options, DType.BF16, 8192, 4, false, false);
        return run.run(false, step -> { }).tokensPerSecond();
    }

    static double total(double[] times) {
        double sum = 0;
        for (double t : times) {
            sum += t;
        }
        return sum;
    }

    @Test
    void pureWeightStreamingTakesBytesOverBandwidth() {
        // compute and pipeline latency vanish at a near-infinite clock, launch costs are zero:
        // a step is exactly its off-chip bytes streamed back to back at HBM bandwidth
        Chip chip = idealized(1e18, 32, 1.6e12);
        var engine = new TimingEngine(chip, schedule(ScheduleOptions.defaults()));
        StepTiming step = engine.pass(0, decode(10), true, 0, false);
        double expected = step.hbmBytes() / 1.6e12 * 1e9;
        assertEquals(expected, step.durationNs(), expected * 1e-9);
        long weights = engine.weightBytesPerStep();
        assertEquals(weights + engine.kvBytesPerSample(10), step.hbmBytes(), "HBM traffic = weights + KV cache");
    }

    @Test
    void streamingAndComputeOfOneOperatorFollowTheMetapipelineFormula() {
        // Spatial: N iterations of stages s_i take max(s) * (N - 1) + sum(s); here N = 8 weight tiles through
        // two stages, HBM load and PCU compute, plus the operator's pipeline latency at the end.
        for (int lanes : new int[] {32, 1}) { // memory-bound, then compute-bound
            Chip chip = idealized(1.6e9, lanes, 1.6e12);
            Schedule schedule = schedule(ScheduleOptions.defaults().withFusion(Schedule.Fusion.NONE));
            KernelCall classifier = classifier(schedule);
            var engine = new TimingEngine(chip, schedule);
            double end = engine.execute(classifier, 0, decode(0), false, 0, new long[Tier.values().length], null);

            Cost cost = CostModel.of(classifier.nodes().getFirst().op(), CONFIG, 1, 0);
            int tiles = 8;
            assertEquals(4L << 20, cost.weightBytes());
            double load = cost.weightBytes() / (double) tiles / 1.6e12 * 1e9;
            int pcus = SN40L.pcus(); // the only operator of its kernel gets every PCU
            // batch 1: each weight meets one row, so the products fill one of the PCU's stages
            double compute = (cost.flops() / 2 / ((double) pcus * lanes)
                    + cost.elementwiseOps() / ((double) pcus * lanes * chip.pcuStages())) / 1.6e9 * 1e9 / tiles;
            double latency = cost.pipelineDepth() / 1.6e9 * 1e9;
            double expected = Math.max(load, compute) * (tiles - 1) + load + compute + latency;
            assertEquals(expected, end, expected * 1e-9, "lanes " + lanes);
        }
    }

    @Test
    void kernelLoopingMakesDecodeFaster() {
        ScheduleOptions on = ScheduleOptions.defaults();
        assertTrue(total(stepTimes(SN40L, on, 20)) < total(stepTimes(SN40L, on.withKernelLooping(false), 20)));
    }

    @Test
    void scheduleOffloadingMakesDecodeFaster() {
        ScheduleOptions on = ScheduleOptions.defaults();
        assertTrue(total(stepTimes(SN40L, on, 40)) < total(stepTimes(SN40L, on.withOffloadSteps(1), 40)));
    }

    @Test
    void batchStreamingHelpsOnlyWithABatch() {
        ScheduleOptions batch8 = ScheduleOptions.defaults().withBatch(8);
        // Llama 3.2 1B on 16 sockets at 8K, with P2P hops of 5 us: a sample's path through a layer (its own
        // attention, two all-reduces of two hops) is longer than the layer's streaming, so a layer barrier makes
        // every sample wait for the last
        Chip slowLinks = withP2pLatency(SN40L, 5000);
        double streamed = tokensPerSecond(slowLinks, "llama-3.2-1b", batch8);
        double barrier = tokensPerSecond(slowLinks, "llama-3.2-1b", batch8.withBatchStreaming(false));
        assertTrue(streamed > 1.02 * barrier, "BatchStreaming " + streamed + " vs barrier " + barrier + " tokens/s");
        // the small test model, memory-bound: never slower
        assertTrue(total(stepTimes(SN40L, batch8, 10)) <= total(stepTimes(SN40L, batch8.withBatchStreaming(false), 10)));
        ScheduleOptions batch1 = ScheduleOptions.defaults();
        assertArrayEquals(stepTimes(SN40L, batch1, 10), stepTimes(SN40L, batch1.withBatchStreaming(false), 10));
    }

    @Test
    void hardwareOrchestrationAndFusionMakeDecodeFaster() {
        ScheduleOptions on = ScheduleOptions.defaults();
        double base = total(stepTimes(SN40L, on, 20));
        assertTrue(base < total(stepTimes(SN40L, on.withHardwareOrchestration(false), 20)));
        assertTrue(base < total(stepTimes(SN40L, on.withFusion(Schedule.Fusion.NONE), 20)));
    }

    @Test
    void longerContextsTakeLongerSteps() {
        double[] times = stepTimes(SN40L, ScheduleOptions.defaults().withOffloadSteps(1), 60);
        assertTrue(times[59] > times[1], "attention reads more KV cache at later positions");
    }

    @Test
    void resetStartsANewRunFromAnIdleChip() {
        var engine = new TimingEngine(SN40L, schedule(ScheduleOptions.defaults()));
        double first = engine.pass(0, decode(0), true, 0, false).durationNs();
        engine.pass(1, decode(1), false, first, false);
        engine.reset();
        assertEquals(first, engine.pass(0, decode(0), true, 0, false).durationNs(), "the same first step after a reset");
    }

    /**
     * Every step's start, end and HBM bytes in runs that use every part of the engine: sockets and all-reduces, a
     * batch, offloaded windows, Mixture-of-Experts and latent attention, then a prefill and speculative steps.
     * Double.toString round-trips exactly.
     */
    static String stepTimesText() {
        var text = new StringBuilder();
        ScheduleOptions options = ScheduleOptions.defaults().withBatch(4).withOffloadSteps(3);
        for (String model : List.of("llama-3.1-8b", "mixtral-8x7b", "deepseek-r1")) {
            var run = Simulation.of(model, SN40L, 16, options, DType.F8_E4M3, 4096, 4, false, false);
            run.run(false, step -> text.append(model).append(" step ").append(step.index()).append(": ")
                    .append(step.startNs()).append(" to ").append(step.endNs()).append(" ns, ")
                    .append(step.hbmBytes()).append(" bytes\n"));
        }
        // a prefill (each pass chooses its program) and speculative steps (a draft and a target on one socket)
        var speculative = Simulation.of("llama-3.1-8b", SN40L, 2, ScheduleOptions.defaults(), DType.BF16, 0, 12,
                false, false).withPrompt(700).withSpeculation("llama-3.2-1b", 4, AcceptanceProfile.rate(0.7));
        speculative.run(false, step -> text.append("speculative step ").append(step.index()).append(": ")
                .append(step.startNs()).append(" to ").append(step.endNs()).append(" ns, ")
                .append(step.tokens()).append(" tokens\n"));
        return text.toString();
    }

    /** Prints {@link #stepTimesText()}, for the runs in other JVMs. */
    public static void main(String[] args) {
        System.out.print(stepTimesText());
    }

    @Test
    void theSameRunGivesTheSameTimesBitForBitInEveryJvm() throws Exception {
        SeparateJvm.assertPrintsTheSameInOtherJvms(stepTimesText(), TimingEngineTest.class);
    }

    @Test
    void aPassStreamsTheWeightsOnceAndEachSamplesCacheOnce() {
        int batch = 2;
        var engine = new TimingEngine(SN40L, schedule(ScheduleOptions.defaults().withBatch(batch)));
        long embeddingRow = CONFIG.hiddenSize() * 4L; // F32: the embedding gathers one row per token
        long kvPerPosition = 2L * CONFIG.kvDim() * CostModel.ACTIVATION_BYTES; // K and V, BF16
        for (int n : new int[] {1, 8, 64}) {
            engine.reset();
            var pass = new Pass(Pass.Phase.PREFILL, 0, n);
            StepTiming timing = engine.pass(0, pass, true, 0, false);
            // per layer: the cache up to the last position read once, every new position written
            long kv = CONFIG.numLayers() * (n * kvPerPosition + n * kvPerPosition);
            assertEquals(kv, engine.kvBytesPerSample(pass), "n = " + n);
            assertEquals(engine.weightBytesPerStep() + batch * (n - 1) * embeddingRow, timing.hbmBytes() - batch * kv,
                    "n = " + n + ": the weights once, whatever the positions, but the embedding's rows");
        }
    }

    @Test
    void aPassOfManyPositionsTakesFarLessThanAsManyDecodeStepsAndNoLessThanOne() {
        // Llama 3.1 8B on one socket: 16 GB of weights stream once per pass, and 64 positions add little compute
        var run = Simulation.of("llama-3.1-8b", SN40L, 1, ScheduleOptions.defaults(), DType.BF16, 1000, 64, false,
                false);
        var engine = new TimingEngine(SN40L, run.compile().target());
        for (int n : new int[] {8, 64}) {
            engine.reset();
            double pass = engine.pass(0, new Pass(Pass.Phase.VERIFY, 1000, n), true, 0, false).durationNs();
            engine.reset();
            double decode = engine.pass(0, decode(1000 + n - 1), true, 0, false).durationNs();
            assertTrue(pass >= decode, n + " positions: " + pass + " ns, one decode step at the last " + decode);
            assertTrue(pass < n * decode / 4, n + " positions: " + pass + " ns, " + n + " decode steps " + n * decode);
        }
    }

    /** A prefill of 4096 positions of a catalog model on one socket, timed from idle. */
    static StepTiming prefill(String model, Schedule[] compiled, boolean trace) {
        var run = Simulation.of(model, SN40L, 1, ScheduleOptions.defaults(), DType.BF16, 0, 4096, false, false);
        compiled[0] = run.compile().target();
        return new TimingEngine(SN40L, compiled[0]).pass(0, new Pass(Pass.Phase.PREFILL, 0, 4096), true, 0, trace);
    }

    @Test
    void aLongPrefillIsComputeBoundNoFasterThanThePeak() {
        var compiled = new Schedule[1];
        StepTiming timing = prefill("llama-3.1-8b", compiled, false);
        Schedule schedule = compiled[0];
        double flops = 0;
        for (KernelCall call : schedule.calls()) {
            for (var node : call.nodes()) {
                flops += CostModel.of(node.op(), schedule.config(), 1, 0, 4096).flops();
            }
        }
        double peak = (double) SN40L.pcus() * SN40L.pcuLanes() * SN40L.pcuStages() * 2 * SN40L.clockHz();
        double computeNs = flops / peak * 1e9;
        double memoryNs = timing.hbmBytes() / SN40L.hbmBandwidth() * 1e9;
        assertTrue(timing.durationNs() >= computeNs, timing.durationNs() + " ns, faster than the peak allows: "
                + computeNs + " ns");
        assertTrue(computeNs > 5 * memoryNs, "compute " + computeNs + " ns, memory " + memoryNs + " ns");
    }

    @Test
    void theSpatialProgramPipelinesTheWavesOfAPassAcrossItsPcuGroups() {
        // Llama 3.2 1B on one socket holds each layer's weights whole on chip: an operator may start on a wave while
        // the one before it computes the next wave, instead of waiting for the whole pass
        var run = Simulation.of("llama-3.2-1b", SN40L, 1, ScheduleOptions.defaults(), DType.BF16, 0, 4096, false, false);
        StepTiming timing = new TimingEngine(SN40L, run.compile().target())
                .pass(0, new Pass(Pass.Phase.PREFILL, 0, 4096), false, true, 0, true);
        double pcuBusy = timing.slices().stream().filter(s -> s.resource().name().startsWith("PCU"))
                .mapToDouble(Slice::durationNs).sum();
        assertTrue(pcuBusy > 2 * timing.durationNs(), "PCU groups busy " + pcuBusy / timing.durationNs()
                + " at once on average");
    }

    /** A pass timed from idle with the program given, and as the engine chooses. */
    static double[] spatialMultiplexedChosen(String model, int sockets, int batch, Pass pass) {
        var run = Simulation.of(model, SN40L, sockets, ScheduleOptions.defaults().withBatch(batch), DType.BF16, 4096,
                16, false, false);
        var engine = new TimingEngine(SN40L, run.compile().target());
        double spatial = engine.pass(0, pass, false, true, 0, false).durationNs();
        engine.reset();
        double multiplexed = engine.pass(0, pass, true, true, 0, false).durationNs();
        engine.reset();
        return new double[] {spatial, multiplexed, engine.pass(0, pass, true, 0, false).durationNs()};
    }

    @Test
    void aPassRunsTheFasterOfTheSpatialAndTheTimeMultiplexedProgram() {
        // a long prefill is compute-bound: every PCU on one operator at a time beats a pipeline of decode-sized groups
        double[] prefill = spatialMultiplexedChosen("llama-3.1-8b", 1, 1, new Pass(Pass.Phase.PREFILL, 0, 4096));
        assertTrue(prefill[1] < prefill[0] / 2, "prefill: multiplexed " + prefill[1] + " ns, spatial " + prefill[0]);
        assertEquals(prefill[1], prefill[2], "the engine takes the multiplexed program");
        // a verify pass of 10 positions for 16 samples streams more than it computes: the pipeline overlaps the
        // samples' KV-cache streams with the other operators' work
        double[] verify = spatialMultiplexedChosen("llama-3.1-70b", 16, 16, new Pass(Pass.Phase.VERIFY, 4096, 10));
        assertTrue(verify[0] < verify[1], "verify: spatial " + verify[0] + " ns, multiplexed " + verify[1]);
        assertEquals(verify[0], verify[2], "the engine takes the spatial program");
    }

    @Test
    void aLongPrefillRunsNearTheChipsPeak() {
        var compiled = new Schedule[1];
        StepTiming timing = prefill("llama-3.1-8b", compiled, false);
        double flops = 0;
        for (KernelCall call : compiled[0].calls()) {
            for (var node : call.nodes()) {
                flops += CostModel.of(node.op(), compiled[0].config(), 1, 0, 4096).flops();
            }
        }
        double peakNs = flops / ((double) SN40L.pcus() * SN40L.pcuLanes() * SN40L.pcuStages() * 2 * SN40L.clockHz())
                * 1e9;
        assertTrue(timing.durationNs() < 1.25 * peakNs, timing.durationNs() + " ns against " + peakNs
                + " ns at the peak: a compute-bound pass should keep the PCUs busy");
    }

    /** A schedule of {@code schedule}'s decoder call alone: one program, so each pass needs one Program Load at most. */
    static Schedule decodersOnly(Schedule schedule) {
        KernelCall decoders = schedule.calls().stream().filter(c -> c.name().equals("decoders")).findFirst()
                .orElseThrow();
        return new Schedule(schedule.config(), schedule.options(), List.of(decoders), schedule.memory(),
                schedule.kvCache());
    }

    static long programLoads(StepTiming timing) {
        return timing.slices().stream().filter(s -> s.name().startsWith("program load")).count();
    }

    @Test
    void aDraftAndATargetOnOneSocketReloadTheAgcusProgramWhenTheyTakeTurns() {
        // the same layers compiled twice: alike programs, but each engine's own
        var socket = new SocketTimelines();
        var draft = new TimingEngine(SN40L, decodersOnly(schedule(ScheduleOptions.defaults())), socket);
        var target = new TimingEngine(SN40L, decodersOnly(schedule(ScheduleOptions.defaults())), socket);
        StepTiming first = target.pass(0, decode(0), true, 0, true);
        StepTiming again = target.pass(1, decode(1), false, first.endNs(), true);
        StepTiming drafted = draft.pass(2, decode(2), false, again.endNs(), true);
        StepTiming verified = target.pass(2, new Pass(Pass.Phase.VERIFY, 2, 2), false, drafted.endNs(), true);
        assertEquals(List.of(1L, 0L, 1L, 1L), List.of(programLoads(first), programLoads(again), programLoads(drafted),
                programLoads(verified)), "target, target again, draft, then target");
        target.reset();
        assertEquals(1, programLoads(target.pass(0, decode(0), true, 0, true)), "nothing loaded after a reset");
    }

    @Test
    void eachFamilysOperatorsAppearInTracesUnderTheirOwnNames() {
        Schedule schedule = Schedule.compile(TestModels.small(TestModels.SMALL_EVERY_CHOICE, DType.F32),
                ScheduleOptions.defaults(), new SocketMemory(0, 1L << 40, 0));
        var names = new TimingEngine(SN40L, schedule).pass(0, decode(5), true, 0, true).slices().stream()
                .map(Slice::name).collect(Collectors.toSet());
        for (String name : List.of("PositionEmbed positions", "LayerNorm n1", "BiasAdd q.bias", "BiasAdd o.bias",
                "WindowedSoftCappedAttention", "SoftCappedAttention", "Gelu", "SoftCap", "BiasAdd classifier.bias",
                "Router router", "Experts experts", "SharedExpert sg")) {
            assertTrue(names.contains(name), name + " in " + names);
        }
    }

    @Test
    void tracedSlicesNeverOverlapOnOneResource() {
        var engine = new TimingEngine(SN40L, schedule(ScheduleOptions.defaults().withBatch(2)));
        StepTiming step = engine.pass(0, decode(3), true, 0, true);
        var lastEnd = new java.util.HashMap<Resource, Double>();
        for (Slice s : step.slices()) {
            double previous = lastEnd.getOrDefault(s.resource(), 0.0);
            assertTrue(s.startNs() >= previous, s + " starts before " + previous);
            lastEnd.put(s.resource(), s.endNs());
        }
        long hbmBytes = step.slices().stream().filter(s -> s.resource().name().equals("HBM")).mapToLong(Slice::bytes)
                .sum();
        assertEquals(step.hbmBytes(), hbmBytes, "HBM slices carry every byte moved");
    }

    @Test
    void aStreamTakesARequestCostPerPmuBufferPlusItsBytesAtTheSustainedBandwidth() {
        // no compute, no latency: the classifier's 4 MiB are 8 requests of one 512 KiB PMU buffer each
        Chip chip = withLosses(idealized(1e18, 32, 1.6e12), 0.8, 50, 0, 0);
        Schedule schedule = schedule(ScheduleOptions.defaults().withFusion(Schedule.Fusion.NONE));
        double end = new TimingEngine(chip, schedule).execute(classifier(schedule), 0, decode(0), false, 0,
                new long[Tier.values().length], null);
        double expected = 8 * (50 + (512 * 1024) / (0.8 * 1.6e12) * 1e9);
        assertEquals(expected, end, expected * 1e-9);
    }

    @Test
    void shortTransfersStreamLessEfficientlyThanLongOnes() {
        // a request costs the same whatever it carries: a 1-position cache per sample moves few bytes per request
        Chip lossless = idealized(1e18, 32, 1.6e12);
        Chip requests = withLosses(lossless, 1, 100, 0, 0);
        ScheduleOptions options = ScheduleOptions.defaults();
        double shortLoss = time(requests, options, 1) / time(lossless, options, 1);
        double longLoss = time(requests, options, CONFIG.maxPositions() - 1) / time(lossless, options,
                CONFIG.maxPositions() - 1);
        assertTrue(shortLoss > longLoss && longLoss > 1, "request overhead: short context x" + shortLoss
                + ", long context x" + longLoss);
    }

    private static double time(Chip chip, ScheduleOptions options, int position) {
        return new TimingEngine(chip, schedule(options)).pass(0, decode(position), true, 0, false).durationNs();
    }

    @Test
    void aMatrixVectorProductUsesOneStageAndABatchFillsThePcu() {
        // compute-bound (one lane per PCU, endless bandwidth): the rows sharing a weight fill the PCU's stages, so
        // up to pcu_stages samples cost about what one does, and beyond that time grows with the batch
        Chip chip = idealized(1.6e9, 1, 1e30);
        int stages = chip.pcuStages();
        double one = classifierTime(chip, 1);
        double full = classifierTime(chip, stages);
        double twice = classifierTime(chip, 2 * stages);
        assertTrue(full < 1.5 * one, stages + " rows " + full + " ns vs 1 row " + one + " ns");
        assertTrue(twice > 1.8 * full, 2 * stages + " rows " + twice + " ns vs " + stages + " rows " + full + " ns");
    }

    private static double classifierTime(Chip chip, int batch) {
        Schedule schedule = schedule(ScheduleOptions.defaults().withFusion(Schedule.Fusion.NONE).withBatch(batch));
        return new TimingEngine(chip, schedule).execute(classifier(schedule), 0, decode(0), false, 0,
                new long[Tier.values().length], null);
    }

    @Test
    void everyOperatorBoundaryCostsTheNetworksHops() {
        // no compute, no memory time, no launch costs: a decode step is its chain of operators, each handing its
        // output over noc_hops hops to the next
        Chip base = idealized(1e18, 32, 1e30);
        Chip network = withLosses(base, 1, 0, 2, 10);
        Schedule schedule = schedule(ScheduleOptions.defaults());
        long operators = schedule.calls().stream().flatMap(c -> c.iterations().stream()).mapToLong(List::size).sum();
        double extra = time(network, ScheduleOptions.defaults(), 5) - time(base, ScheduleOptions.defaults(), 5);
        assertEquals(operators * 20.0, extra, 1e-6 * operators * 20);
    }
}
