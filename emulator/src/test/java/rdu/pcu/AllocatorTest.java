package rdu.pcu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.cost.Cost;
import rdu.cost.CostModel;
import rdu.cost.TestModels;
import rdu.graph.DecodeGraph;
import rdu.graph.Node;
import rdu.graph.Op;
import rdu.memory.SocketMemory;
import rdu.model.ModelConfig;
import rdu.schedule.KernelCall;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;
import rdu.simulate.Simulation;
import rdu.tensor.DType;
import rdu.testing.SeparateJvm;

class AllocatorTest {

    static final Chip SN40L = ChipFile.load("sn40l");
    static final DecodeGraph SMALL = TestModels.small(TestModels.SMALL, DType.F32);

    static List<Cost> costs(KernelCall call, ModelConfig config, int batch, int position) {
        List<Cost> costs = new ArrayList<>();
        for (Node node : call.iterations().getFirst()) {
            costs.add(CostModel.of(node.op(), config, batch, position));
        }
        return costs;
    }

    static List<KernelAllocation> allocateAll(DecodeGraph graph, ScheduleOptions options, int position) {
        var schedule = Schedule.compile(graph, options, new SocketMemory(0, 64L << 30, 1536L << 30));
        List<KernelAllocation> allocations = new ArrayList<>();
        for (KernelCall call : schedule.calls()) {
            allocations.add(Allocator.allocate(call, costs(call, graph.config(), options.batch(), position), SN40L));
        }
        return allocations;
    }

    /** The shipped SN40L file with another fabric, loaded the way a user-written chip file is. */
    static Chip chip(Path dir, int pcus, int pmus, long pmuBytes) throws IOException {
        var mapper = new ObjectMapper();
        ObjectNode root;
        try (InputStream shipped = ChipFile.class.getResourceAsStream("sn40l.json")) {
            root = (ObjectNode) mapper.readTree(shipped);
        }
        root.put("name", "test chip");
        var parameters = (ObjectNode) root.get("parameters");
        parameters.set("pcus", parameter(mapper, pcus, "count"));
        parameters.set("pmus", parameter(mapper, pmus, "count"));
        parameters.set("pmu_capacity", parameter(mapper, pmuBytes, "B"));
        Path file = dir.resolve("chip-" + pcus + "-" + pmus + "-" + pmuBytes + ".json");
        mapper.writeValue(file.toFile(), root);
        return ChipFile.load(file.toString());
    }

    static ObjectNode parameter(ObjectMapper mapper, long value, String unit) {
        return mapper.createObjectNode().put("value", value).put("unit", unit).put("source", "test");
    }

    /** Lane work only: no bytes, so every operator needs exactly one PMU. */
    static Cost work(double laneOps) {
        return new Cost(0, 0, 0, 0, 0, 0, laneOps, 0, 0, CostModel.PCU_PASS_STAGES);
    }

    static Cost buffers(long weightBytes, long activationBytes) {
        return new Cost(0, weightBytes, 0, 0, 0, activationBytes, 1, 0, 0, CostModel.PCU_PASS_STAGES);
    }

    /** A kernel of the first {@code n} operators of decoder layer 0 of the small graph. */
    static KernelCall kernel(String name, int n) {
        return KernelCall.single(name, SMALL.nodes().subList(1, 1 + n));
    }

    @Test
    void everyKernelOfTheSmallModelFitsAndUsesAllPcus() {
        for (ScheduleOptions options : List.of(ScheduleOptions.defaults(),
                ScheduleOptions.defaults().withKernelLooping(false).withBatch(4),
                ScheduleOptions.defaults().withFusion(Schedule.Fusion.NONE))) {
            for (KernelAllocation a : allocateAll(SMALL, options, 7)) {
                String what = options + " " + a.call().name();
                assertEquals(SN40L.pcus(), a.pcus(), what + ": every operator does work, so no PCU idles");
                assertTrue(a.pmus() <= SN40L.pmus(), what);
                assertEquals(a.call().iterations().getFirst(), a.operators().stream().map(OperatorAllocation::node)
                        .toList(), what + ": one layer body, in order");
                for (OperatorAllocation op : a.operators()) {
                    assertTrue(op.pcus() >= 1 && op.pmus() >= 1, what + ": " + op);
                }
            }
        }
    }

    @Test
    void llama8BKernelsFitWithinTheChipAtLongContextAndBatch16(@TempDir Path dir) throws IOException {
        DecodeGraph graph = TestModels.sparse(TestModels.LLAMA_8B, DType.BF16, dir);
        List<KernelAllocation> kernels = allocateAll(graph, ScheduleOptions.defaults().withBatch(16), 8191);
        assertEquals(List.of("embedding", "decoders", "classifier", "sampling"),
                kernels.stream().map(k -> k.call().name()).toList());
        for (KernelAllocation a : kernels) {
            assertEquals(SN40L.pcus(), a.pcus(), a.call().name());
            assertTrue(a.pmus() <= SN40L.pmus(), a.call().name() + " uses " + a.pmus() + " PMUs");
        }
        // Classifier [128256, 4096] BF16 at batch 16: logits 16 * 128256 * 2 B, double-buffered; two 512 KiB tiles.
        OperatorAllocation classifier = kernels.get(2).operators().get(1);
        assertEquals(2L * 16 * 128256 * 2, classifier.stageBufferBytes());
        assertEquals(2L * 512 * 1024, classifier.weightBufferBytes());
        assertEquals(Math.ceilDiv(2L * 16 * 128256 * 2 + 2L * 512 * 1024, 512 * 1024), classifier.pmus());
    }

    @Test
    void matVecsGetMorePcusThanResiduals() {
        KernelAllocation layer = allocateAll(SMALL, ScheduleOptions.defaults(), 0).get(1);
        int fewestForMatVec = Integer.MAX_VALUE;
        int mostForResidual = 0;
        for (OperatorAllocation op : layer.operators()) {
            if (op.node().op() instanceof Op.MatVec) {
                fewestForMatVec = Math.min(fewestForMatVec, op.pcus());
            } else if (op.node().op() instanceof Op.Residual) {
                mostForResidual = Math.max(mostForResidual, op.pcus());
            }
        }
        assertTrue(mostForResidual > 0, "the layer has residual adds");
        assertTrue(fewestForMatVec > mostForResidual, fewestForMatVec + " vs " + mostForResidual);
    }

    @Test
    void sparePcusFollowLaneOpsWithLargestRemainderRounding(@TempDir Path dir) throws IOException {
        // 7 spare PCUs over lane ops 1:2:3 = 1.17, 2.33, 3.5: whole shares 1, 2, 3, the last one to the largest
        // fraction (0.5).
        Chip chip = chip(dir, 10, 10, 64);
        var proportional = Allocator.allocate(kernel("k", 3), List.of(work(1), work(2), work(3)), chip);
        assertEquals(List.of(2, 3, 5), proportional.operators().stream().map(OperatorAllocation::pcus).toList());
        // Equal shares of 7 spare: 2 each and a tie for the last one, which goes to the earliest operator.
        var tied = Allocator.allocate(kernel("k", 3), List.of(work(5), work(5), work(5)), chip);
        assertEquals(List.of(4, 3, 3), tied.operators().stream().map(OperatorAllocation::pcus).toList());
    }

    /**
     * Every operator's PCUs, PMUs and buffers in every kernel of the small model, fused and unfused, and of Llama 3.1
     * 8B and DeepSeek-R1 (Mixture-of-Experts, latent attention) on 16 sockets.
     */
    static String allocationsText() {
        List<List<KernelAllocation>> runs = new ArrayList<>(List.of(allocateAll(SMALL, ScheduleOptions.defaults(), 3),
                allocateAll(SMALL, ScheduleOptions.defaults().withFusion(Schedule.Fusion.NONE), 3)));
        for (String model : List.of("llama-3.1-8b", "deepseek-r1")) {
            var schedule = Simulation.of(model, SN40L, 16, ScheduleOptions.defaults().withBatch(4), DType.F8_E4M3,
                    4096, 1, false, false).compile().target();
            List<KernelAllocation> allocations = new ArrayList<>();
            for (KernelCall call : schedule.calls()) {
                allocations.add(Allocator.allocate(call, costs(call, schedule.config(), 4, 4096), SN40L));
            }
            runs.add(allocations);
        }
        var text = new StringBuilder();
        for (List<KernelAllocation> run : runs) {
            for (KernelAllocation kernel : run) {
                text.append(kernel.call().name()).append('\n');
                for (OperatorAllocation op : kernel.operators()) {
                    text.append("  ").append(op.node().op().getClass().getSimpleName()).append(": ").append(op.pcus())
                            .append(" PCUs, ").append(op.pmus()).append(" PMUs, stage ").append(op.stageBufferBytes())
                            .append(", weights ").append(op.weightCopies()).append(" x ")
                            .append(op.weightBufferBytes()).append(op.wholeWeights() ? " whole\n" : " tiles\n");
                }
            }
        }
        return text.toString();
    }

    /** Prints {@link #allocationsText()}, for the runs in other JVMs. */
    public static void main(String[] args) {
        System.out.print(allocationsText());
    }

    @Test
    void allocationIsTheSameInEveryJvm() throws Exception {
        SeparateJvm.assertPrintsTheSameInOtherJvms(allocationsText(), AllocatorTest.class);
    }

    @Test
    void weightBuffersShrinkFromTwoWholeWeightsToOneTileBeforeTheKernelFails(@TempDir Path dir) throws IOException {
        // Two operators streaming 4 tiles of weights each: two whole weights (8 PMUs) each, else 2 double-buffered
        // tiles (2 PMUs) each, else 1 single.
        List<Cost> costs = List.of(buffers(4096, 0), buffers(4096, 0));
        var whole = Allocator.allocate(kernel("k", 2), costs, chip(dir, 8, 16, 1024));
        assertEquals(List.of(8192L, 8192L), whole.operators().stream().map(OperatorAllocation::weightBufferBytes)
                .toList());
        assertEquals(16, whole.pmus());
        var roomy = Allocator.allocate(kernel("k", 2), costs, chip(dir, 8, 15, 1024));
        assertEquals(List.of(2048L, 2048L), roomy.operators().stream().map(OperatorAllocation::weightBufferBytes)
                .toList());
        assertEquals(4, roomy.pmus());
        var tight = Allocator.allocate(kernel("k", 2), costs, chip(dir, 8, 3, 1024));
        assertEquals(List.of(1024L, 1024L), tight.operators().stream().map(OperatorAllocation::weightBufferBytes)
                .toList());
        assertEquals(2, tight.pmus());
    }

    @Test
    void stageBuffersBeyondThePmusFailNamingKernelAndCounts() {
        // 600 PMUs of activations, double-buffered: 1200 PMUs on a 1040-PMU chip, and weights cannot shrink that.
        List<Cost> costs = List.of(buffers(0, 600 * SN40L.pmuBytes()), buffers(4096, 0));
        var e = assertThrows(AllocationException.class, () -> Allocator.allocate(kernel("huge", 2), costs, SN40L));
        assertEquals("kernel huge does not fit: needs 1201 PMUs even with single-buffered weight tiles, chip SN40L"
                + " has 1040", e.getMessage());
    }

    @Test
    void rejectsMoreOperatorsThanPcusAndMismatchedCosts(@TempDir Path dir) throws IOException {
        var tooMany = assertThrows(AllocationException.class,
                () -> Allocator.allocate(kernel("wide", 3), List.of(work(1), work(1), work(1)), chip(dir, 2, 8, 64)));
        assertEquals("kernel wide does not fit: needs 3 PCUs (one per operator), chip test chip has 2",
                tooMany.getMessage());
        var mismatch = assertThrows(IllegalArgumentException.class,
                () -> Allocator.allocate(kernel("k", 3), List.of(work(1)), SN40L));
        assertEquals("kernel k: 3 operators but 1 costs", mismatch.getMessage());
    }
}
