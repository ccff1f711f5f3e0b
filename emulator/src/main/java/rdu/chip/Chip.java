package rdu.chip;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One socket of a dataflow chip, as the emulator sees it. Every number comes from a chip file
 * (see {@link ChipFile}); {@link #parameters()} keeps each value with its unit and source for reports.
 *
 * @param hbmBytes       capacity of the socket's HBM
 * @param hbmBandwidth   HBM bandwidth in bytes per second
 * @param ddrBytes       capacity of the socket's DDR
 * @param ddrBandwidth   DDR bandwidth in bytes per second
 * @param pmuBytes       scratchpad capacity of one PMU
 * @param clockHz        the fabric clock
 */
public record Chip(
        String name,
        int pcus,
        int pmus,
        long pmuBytes,
        long hbmBytes,
        double hbmBandwidth,
        long ddrBytes,
        double ddrBandwidth,
        double clockHz,
        Map<String, Parameter> parameters) {

    public Chip {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }
}
