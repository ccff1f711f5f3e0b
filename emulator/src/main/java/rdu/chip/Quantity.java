package rdu.chip;

import java.util.Map;

/**
 * The units a chip description may use, grouped by what they measure, with their factor to the base unit
 * (bytes, bytes per second, hertz, seconds, plain count, fraction). Decimal prefixes mean powers of ten, binary
 * ones powers of two.
 */
public enum Quantity {
    COUNT("count", Map.of("count", 1.0)),
    BYTES("B", Map.of("B", 1.0, "KB", 1e3, "MB", 1e6, "GB", 1e9, "TB", 1e12,
            "KiB", 1024.0, "MiB", 1024.0 * 1024, "GiB", 1024.0 * 1024 * 1024, "TiB", 1024.0 * 1024 * 1024 * 1024)),
    BANDWIDTH("B/s", Map.of("B/s", 1.0, "MB/s", 1e6, "GB/s", 1e9, "TB/s", 1e12)),
    FREQUENCY("Hz", Map.of("Hz", 1.0, "MHz", 1e6, "GHz", 1e9)),
    TIME("s", Map.of("s", 1.0, "ms", 1e-3, "us", 1e-6, "ns", 1e-9)),
    /** A share of a whole: 0.9 fraction = 90 %. */
    FRACTION("fraction", Map.of("fraction", 1.0, "%", 0.01));

    private final String baseUnit;
    private final Map<String, Double> unitFactors;

    Quantity(String baseUnit, Map<String, Double> unitFactors) {
        this.baseUnit = baseUnit;
        this.unitFactors = unitFactors;
    }

    /** The unit whose factor is 1. */
    String baseUnit() {
        return baseUnit;
    }

    /** The factor that turns a value in {@code unit} into the base unit, or null if the unit does not measure this. */
    Double factor(String unit) {
        return unitFactors.get(unit);
    }

    /** The units accepted, for error messages. */
    String units() {
        return unitFactors.keySet().stream().sorted().toList().toString();
    }
}
