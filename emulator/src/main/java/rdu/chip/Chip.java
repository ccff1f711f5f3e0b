package rdu.chip;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One socket of a dataflow chip, as the emulator sees it. Every number comes from a chip file
 * (see {@link ChipFile}); {@link #parameters()} keeps each value with its unit and source for reports.
 *
 * @param execution      how the chip runs a model: dataflow (fused kernels, SN40L) or kernel by kernel (GPU)
 * @param hbmBytes       capacity of the socket's HBM
 * @param hbmBandwidth   HBM bandwidth in bytes per second
 * @param ddrBytes       capacity of the socket's DDR
 * @param ddrBandwidth   DDR bandwidth in bytes per second
 * @param pmuBytes       scratchpad capacity of one PMU
 * @param clockHz        the fabric clock
 * @param pcuLanes       SIMD lanes of one PCU
 * @param pcuStages      pipeline stages of one PCU (each can apply one operation per lane per cycle)
 * @param programLoadNs  loading a kernel's configuration when a call runs a different program than the last one
 * @param argumentLoadNs loading one call's arguments
 * @param softwareLaunchNs host runtime time per kernel call under software orchestration
 * @param hardwareLaunchNs AGCU time per kernel call under hardware orchestration
 * @param kernelSyncNs   barrier at the end of every kernel call
 * @param hostStepNs     the host taking control between decode steps (without ScheduleOffloading)
 * @param agcuStepNs     the AGCU moving to the next decode step inside an offloaded schedule
 * @param p2pBandwidth   bytes per second one socket sends to its peers over its P2P links
 * @param p2pLatencyNs   one hop over a P2P link
 * @param hbmEfficiency  the share of {@code hbmBandwidth} a long sequential stream sustains (refresh, bank and page
 *                       effects)
 * @param ddrEfficiency  the same for DDR
 * @param memoryRequestNs time a memory is busy per request beyond moving its bytes: a request fills one PMU
 *                       buffer at most, so a short transfer streams less efficiently than a long one
 * @param nocHopNs       one hop of the on-chip network
 * @param nocHops        hops between an operator and the next one, on average
 */
public record Chip(
        String name,
        Execution execution,
        int pcus,
        int pmus,
        long pmuBytes,
        long hbmBytes,
        double hbmBandwidth,
        long ddrBytes,
        double ddrBandwidth,
        double clockHz,
        int pcuLanes,
        int pcuStages,
        double programLoadNs,
        double argumentLoadNs,
        double softwareLaunchNs,
        double hardwareLaunchNs,
        double kernelSyncNs,
        double hostStepNs,
        double agcuStepNs,
        double p2pBandwidth,
        double p2pLatencyNs,
        double hbmEfficiency,
        double ddrEfficiency,
        double memoryRequestNs,
        double nocHopNs,
        int nocHops,
        Map<String, Parameter> parameters) {

    /** How a chip runs a model: the schedule family its decode steps take. */
    public enum Execution {
        /** Fused kernels streaming through the fabric, launched by the AGCU: the SN40L. */
        DATAFLOW,
        /** One kernel after another, each launched by host software and synchronized: a GPU. */
        KERNEL_BY_KERNEL
    }

    /** Peak lane operations per second of the whole socket (an FMA counts once). */
    public double laneOpsPerSecond() {
        return (double) pcus * pcuLanes * pcuStages * clockHz;
    }

    /** Bytes per second a long stream from HBM sustains. */
    public double sustainedHbmBandwidth() {
        return hbmBandwidth * hbmEfficiency;
    }

    /**
     * Bytes per second a long HBM stream of full requests (one PMU buffer each) reaches: the peak a bandwidth
     * benchmark would measure on the chip, with every loss a request has.
     */
    public double streamingHbmBandwidth() {
        return pmuBytes / (memoryRequestNs / 1e9 + pmuBytes / sustainedHbmBandwidth());
    }

    /** Bytes per second a long stream from DDR sustains. */
    public double sustainedDdrBandwidth() {
        return ddrBandwidth * ddrEfficiency;
    }

    /** The on-chip network's latency from an operator's output to the next operator's input. */
    public double operatorBoundaryNs() {
        return nocHops * nocHopNs;
    }

    public Chip {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }
}
