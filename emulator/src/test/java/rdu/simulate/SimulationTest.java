package rdu.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.family.Family;
import rdu.memory.CapacityException;
import rdu.memory.Tier;
import rdu.model.ModelConfig;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;
import rdu.tensor.DType;

/** Timing-only runs of any size asked for: what cannot fit is refused before anything as large as it is built. */
class SimulationTest {

    static final Chip SN40L = ChipFile.load("sn40l");

    /** Llama 3.1 8B's config with {@code layers} decoder layers and the given context. */
    static ModelConfig llama8b(int layers, int positions) {
        return new ModelConfig("LlamaForCausalLM", 4096, 14336, layers, 32, 8, 128, 128256, positions, 1e-5f, 500000,
                null, false, 128000, List.of(128001), Family.LLAMA);
    }

    static Simulation simulation(ModelConfig model, int sockets, int batch, boolean allowDdr) {
        return new Simulation(model, SN40L, sockets, ScheduleOptions.defaults().withBatch(batch), DType.BF16, 8192,
                model.maxPositions() - 8192, allowDdr, null, false, null, 0, 512, null);
    }

    /** Runs {@code work} with a time bound, and fails if this thread allocated more than {@code maxBytes} for it. */
    static <T> T bounded(Duration time, long maxBytes, Supplier<T> work) {
        return assertTimeoutPreemptively(time, () -> {
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            T result = work.get();
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < maxBytes, "allocated " + allocated + " bytes");
            return result;
        });
    }

    @Test
    void aHundredMillionLayersAreRefusedBeforeAnyIsBuilt() {
        var huge = simulation(llama8b(100_000_000, 8192 + 128), 16, 1, true);
        var e = bounded(Duration.ofSeconds(5), 50_000_000,
                () -> assertThrows(CapacityException.class, huge::compile));
        assertTrue(e.getMessage().contains("needs") && e.getMessage().contains("available"), e.getMessage());
        assertEquals(-1, bounded(Duration.ofSeconds(5), 50_000_000, () -> huge.smallestSocketsThatFit(1024)));
    }

    @Test
    void fiftyMillionLayersThatFitTheChipAreRefusedForTheHostsHeapBeforeAnyIsBuilt() {
        // hidden 8, one head: a layer takes under 2 KB of device memory, so 50 million fit one socket's HBM + DDR
        var tiny = new ModelConfig("LlamaForCausalLM", 8, 8, 50_000_000, 1, 1, 8, 8, 16, 1e-5f, 10000, null, true, 1,
                List.of(2), Family.LLAMA);
        var run = new Simulation(tiny, SN40L, 1, ScheduleOptions.defaults(), DType.BF16, 0, 16, true, null, false,
                null, 0, 512, null);
        assertTrue(run.bytesPerSocket(1) < SN40L.hbmBytes() + SN40L.ddrBytes(), "fits the chip");
        var e = bounded(Duration.ofSeconds(5), 50_000_000, () -> assertThrows(HostMemoryException.class,
                run::compile));
        assertTrue(e.getMessage().contains("heap") && e.getMessage().contains("-Xmx")
                && e.getMessage().contains("available"), e.getMessage());
    }

    @Test
    void theSmallestSocketCountIsFoundWithoutCompilingEveryCount() {
        var deep = simulation(llama8b(1000, 8192 + 128), 1, 1, false);
        int fits = bounded(Duration.ofSeconds(5), 50_000_000, () -> deep.smallestSocketsThatFit(1024));
        assertThrows(CapacityException.class, simulation(llama8b(1000, 8192 + 128), fits - 1, 1, false)::compile);
        simulation(llama8b(1000, 8192 + 128), fits, 1, false).compile().target();
    }

    @Test
    void aBatchWhoseCacheOverflowsALongFitsNowhere() {
        var overflowing = simulation(llama8b(126, 100_000), 1, Integer.MAX_VALUE, false);
        assertEquals(-1, overflowing.smallestSocketsThatFit(1024));
        var e = assertThrows(CapacityException.class, overflowing::compile);
        assertTrue(e.getMessage().contains("needs more than"), e.getMessage());
    }

    @Test
    void theBytesCheckedBeforehandAreTheBytesPlaced() {
        for (String model : List.of("llama-3.1-8b", "qwen2.5-0.5b", "mixtral-8x7b", "llama-4-maverick",
                "deepseek-r1", "gemma-2-9b", "phi-3-mini", "starcoder2-7b")) {
            for (int sockets : new int[] {1, 3, 16}) {
                for (boolean expertParallel : model.equals("mixtral-8x7b") ? new boolean[] {false, true}
                        : new boolean[] {false}) {
                    var run = Simulation.of(model, SN40L, sockets, ScheduleOptions.defaults().withBatch(2),
                            DType.F8_E4M3, 1000, 10, true, expertParallel);
                    Schedule schedule = run.compile().target();
                    long placed = schedule.memory().tier(Tier.HBM).used() + schedule.memory().tier(Tier.DDR).used();
                    assertEquals(placed, run.bytesPerSocket(sockets), model + " on " + sockets);
                }
            }
        }
    }
}
