package rdu.schedule;

import rdu.moe.ExpertRouting;

/**
 * How the compiler turns the decode graph into kernels and how the runtime launches them. The three SN40L decode
 * optimizations are independent switches, all on by default.
 *
 * @param kernelLooping      the N decoder-layer calls become one call with a pipelined loop over layers
 *                           (needs layer fusion; ignored when unfused)
 * @param batchStreaming     with batch > 1, each sample enters layer n as soon as it leaves layer n-1
 * @param offloadSteps       ScheduleOffloading: decode steps the chip runs without returning to the host
 *                           (1 = off: the host takes control after every step)
 * @param hardwareOrchestration kernel launches sequenced by the AGCU instead of host software
 * @param batch              samples decoded together
 * @param expertRouting      how the timing model spreads tokens over a Mixture-of-Experts layer's experts (modeled
 *                           time only; dense layers ignore it)
 */
public record ScheduleOptions(
        Schedule.Fusion fusion,
        boolean kernelLooping,
        boolean batchStreaming,
        int offloadSteps,
        boolean hardwareOrchestration,
        int batch,
        ExpertRouting expertRouting) {

    /** ScheduleOffloading's default M: the papers find the gain saturates near 20 steps. */
    public static final int DEFAULT_OFFLOAD_STEPS = 20;

    public ScheduleOptions {
        if (offloadSteps < 1) {
            throw new IllegalArgumentException("offload steps must be >= 1 (1 = ScheduleOffloading off), found "
                    + offloadSteps);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, found " + batch);
        }
    }

    /** Every optimization on, layer fusion, hardware orchestration, batch 1, uniform expert routing. */
    public static ScheduleOptions defaults() {
        return new ScheduleOptions(Schedule.Fusion.LAYER, true, true, DEFAULT_OFFLOAD_STEPS, true, 1,
                ExpertRouting.UNIFORM);
    }

    /**
     * A GPU's schedule as TensorRT-LLM runs it: kernel by kernel, each launched by the host, and control back at the
     * host every step (the dataflow switches do not apply); the batch stays as it is.
     */
    public ScheduleOptions kernelByKernel() {
        return withFusion(Schedule.Fusion.KERNEL_BY_KERNEL).withKernelLooping(false).withBatchStreaming(false)
                .withOffloadSteps(1).withHardwareOrchestration(false);
    }

    public ScheduleOptions withFusion(Schedule.Fusion f) {
        return new ScheduleOptions(f, kernelLooping, batchStreaming, offloadSteps, hardwareOrchestration, batch,
                expertRouting);
    }

    public ScheduleOptions withKernelLooping(boolean on) {
        return new ScheduleOptions(fusion, on, batchStreaming, offloadSteps, hardwareOrchestration, batch,
                expertRouting);
    }

    public ScheduleOptions withBatchStreaming(boolean on) {
        return new ScheduleOptions(fusion, kernelLooping, on, offloadSteps, hardwareOrchestration, batch,
                expertRouting);
    }

    public ScheduleOptions withOffloadSteps(int m) {
        return new ScheduleOptions(fusion, kernelLooping, batchStreaming, m, hardwareOrchestration, batch,
                expertRouting);
    }

    public ScheduleOptions withHardwareOrchestration(boolean on) {
        return new ScheduleOptions(fusion, kernelLooping, batchStreaming, offloadSteps, on, batch,
                expertRouting);
    }

    public ScheduleOptions withBatch(int b) {
        return new ScheduleOptions(fusion, kernelLooping, batchStreaming, offloadSteps, hardwareOrchestration, b,
                expertRouting);
    }

    public ScheduleOptions withExpertRouting(ExpertRouting routing) {
        return new ScheduleOptions(fusion, kernelLooping, batchStreaming, offloadSteps, hardwareOrchestration, batch,
                routing);
    }

    /** KernelLooping takes effect only on layer-fused kernels: unfused, consecutive calls are different kernels. */
    public boolean loopsLayers() {
        return kernelLooping && fusion == Schedule.Fusion.LAYER;
    }
}
