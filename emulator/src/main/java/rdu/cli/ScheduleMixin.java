package rdu.cli;

import java.util.Locale;
import picocli.CommandLine.Option;
import rdu.chip.Chip;
import rdu.moe.ExpertRouting;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;

/** The schedule switches shared by the commands that run a schedule. All optimizations are on unless switched off. */
final class ScheduleMixin {

    @Option(names = "--no-kernel-looping", description = "One kernel call per decoder layer instead of one looped call.")
    boolean noKernelLooping;

    @Option(names = "--no-batch-streaming", description = "Every sample waits for the whole batch at each layer.")
    boolean noBatchStreaming;

    @Option(names = "--no-schedule-offloading", description = "The host takes control after every decode step.")
    boolean noScheduleOffloading;

    @Option(names = "--offload-steps", paramLabel = "M", defaultValue = "" + ScheduleOptions.DEFAULT_OFFLOAD_STEPS,
            description = "Decode steps per offloaded schedule (default: ${DEFAULT-VALUE}).")
    int offloadSteps;

    @Option(names = "--unfused", description = "One kernel per operator instead of one per decoder layer.")
    boolean unfused;

    @Option(names = "--software-orchestration", description = "The host launches every kernel instead of the AGCU.")
    boolean softwareOrchestration;

    @Option(names = "--expert-routing", paramLabel = "uniform|zipf:S", defaultValue = "uniform",
            description = {"How the timing model spreads tokens over a Mixture-of-Experts layer's experts: uniform"
                    + " (the default: every expert equally likely) or zipf:S (expert i of E is a token's pick with"
                    + " probability proportional to 1/i^S, S in (0, " + (int) ExpertRouting.MAX_EXPONENT + "]). Skew"
                    + " lets a batch share the popular experts, so fewer experts stream; with --expert-parallel the"
                    + " popular experts sit together on the first socket, which then does more than its share.",
                    "It changes the modeled time of timing-only runs (rdu simulate) only, never tokens: a run on a"
                            + " checkpoint's weights streams the experts its router chose, and dense models have"
                            + " none."})
    String expertRouting;

    /**
     * The options for {@code chip}: a kernel-by-kernel chip (a GPU) always runs the GPU schedule, with host-launched
     * kernels and control returning to the host every step; the dataflow switches do not apply to it.
     */
    ScheduleOptions options(Chip chip) {
        return chip.execution() == Chip.Execution.KERNEL_BY_KERNEL ? options().kernelByKernel() : options();
    }

    ScheduleOptions options() {
        if (offloadSteps < 1) {
            throw new Rdu.UsageException("--offload-steps must be >= 1, found " + offloadSteps);
        }
        ExpertRouting routing;
        try {
            routing = ExpertRouting.parse(expertRouting);
        } catch (IllegalArgumentException e) {
            throw new Rdu.UsageException("--expert-routing: " + e.getMessage());
        }
        return ScheduleOptions.defaults()
                .withFusion(unfused ? Schedule.Fusion.NONE : Schedule.Fusion.LAYER)
                .withKernelLooping(!noKernelLooping)
                .withBatchStreaming(!noBatchStreaming)
                .withOffloadSteps(noScheduleOffloading ? 1 : offloadSteps)
                .withHardwareOrchestration(!softwareOrchestration)
                .withExpertRouting(routing);
    }

    /** Says on stderr that a run's --expert-routing has no effect, because {@code why} (a dense model, a router). */
    static void noteRoutingUnused(ScheduleOptions o, String why) {
        if (!o.expertRouting().isUniform()) {
            System.err.println("rdu: note: --expert-routing " + o.expertRouting() + " has no effect: " + why);
        }
    }

    static String describe(ScheduleOptions o) {
        if (o.fusion() == Schedule.Fusion.KERNEL_BY_KERNEL) {
            return "kernel by kernel (GPU), software launch, host control every step";
        }
        return String.format(Locale.ROOT, "%s, KernelLooping %s, BatchStreaming %s, ScheduleOffloading %s, %s"
                        + " orchestration", o.fusion() == Schedule.Fusion.LAYER ? "layer fusion" : "unfused",
                onOff(o.loopsLayers()), onOff(o.batchStreaming()),
                o.offloadSteps() > 1 ? "on (M = " + o.offloadSteps() + ")" : "off",
                o.hardwareOrchestration() ? "hardware" : "software");
    }

    private static String onOff(boolean on) {
        return on ? "on" : "off";
    }
}
