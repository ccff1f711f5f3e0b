package rdu.chip;

import static rdu.model.CheckpointFiles.quoted;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;

/**
 * Reads a chip description: a JSON object with "name" and "parameters", each parameter
 * {"value": number, "unit": "GB", "source": "..."}. The shipped chips are resources ("sn40l"),
 * any other argument is a path to a user-written file in the same format.
 */
public final class ChipFile {

    /** The chip used when none is named. */
    public static final String DEFAULT = "sn40l";
    /** Every chip shipped with the emulator. */
    public static final List<String> SHIPPED = List.of("sn40l", "dgx-h100");

    /** Numbers are read exactly as written (1e300 is not infinity, 0.1 is not 0.1000000000000000055), for ranges. */
    private static final ObjectMapper JSON = CheckpointFiles.JSON.rebuild()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    private ChipFile() {
    }

    /** A shipped chip by name ("sn40l" or "sn40l.json"), else a file path. */
    public static Chip load(String nameOrPath) {
        Written file = read(nameOrPath);
        return parse(file.root(), file.origin());
    }

    /**
     * The chip file {@code nameOrPath} with one parameter's value, as written, multiplied by {@code factor}, checked
     * as every chip file is (unit, range): an edited copy of the file, in memory (rdu reproduce --sensitivity).
     */
    public static Chip scaled(String nameOrPath, String parameter, BigDecimal factor) {
        Written file = read(nameOrPath);
        String origin = file.origin() + " with " + parameter + " x" + factor.toPlainString();
        ObjectNode p = numeric(file, origin, parameter, "scale");
        p.put("value", p.get("value").decimalValue().multiply(factor));
        return parse(file.root(), origin);
    }

    /**
     * A new value for one parameter, in a unit the parameter's quantity accepts ("5.57", "us").
     *
     * @param parameter the parameter's name in the chip file
     */
    public record Setting(String parameter, BigDecimal value, String unit) {

        public Setting {
            if (parameter == null || parameter.isBlank() || value == null || unit == null || unit.isBlank()) {
                throw new IllegalArgumentException("a setting needs a parameter, a value and a unit, found "
                        + parameter + " = " + value + " " + unit);
            }
        }

        @Override
        public String toString() {
            return parameter + " = " + value.toPlainString() + " " + unit;
        }
    }

    /**
     * The chip file {@code nameOrPath} with the parameters {@code settings} name set to their values and units,
     * checked as every chip file is (unit, range): an edited copy of the file, in memory (rdu reproduce
     * --cross-check). The parameters must be in the file already.
     */
    public static Chip withValues(String nameOrPath, List<Setting> settings) {
        Written file = read(nameOrPath);
        String origin = file.origin() + (settings.isEmpty() ? ""
                : " with " + String.join(", ", settings.stream().map(Setting::toString).toList()));
        for (Setting s : settings) {
            ObjectNode p = numeric(file, origin, s.parameter(), "set");
            p.put("value", s.value());
            p.put("unit", s.unit());
        }
        return parse(file.root(), origin);
    }

    /** The parameter's object in a chip file's JSON, which must have a numeric value to {@code change}. */
    private static ObjectNode numeric(Written file, String origin, String parameter, String change) {
        if (!(file.root().path("parameters").path(parameter) instanceof ObjectNode p) || !p.path("value").isNumber()) {
            throw new ChipException(origin, "no parameter " + quoted(parameter) + " with a numeric value to "
                    + change);
        }
        return p;
    }

    /** A chip file's JSON as read, and how messages name it. */
    private record Written(JsonNode root, String origin) {
    }

    private static Written read(String nameOrPath) {
        String resource = nameOrPath.endsWith(".json") ? nameOrPath : nameOrPath + ".json";
        InputStream shipped = ChipFile.class.getResourceAsStream(resource);
        if (shipped != null && !resource.contains("/")) {
            try (shipped) {
                return new Written(JSON.readTree(shipped), "chip " + resource + " (shipped)");
            } catch (IOException e) {
                throw new UncheckedIOException("reading the shipped chip " + resource, e);
            }
        }
        Path file = Path.of(nameOrPath);
        if (!Files.exists(file)) {
            throw new ChipException(nameOrPath, "no such chip: not a shipped chip " + SHIPPED + " and not a file");
        }
        try { // the loaders' bounded reader: a named pipe or a directory is refused by name, a huge file unread
            return new Written(CheckpointFiles.parseJsonObject(file, "JSON", CheckpointFiles.readBytes(file), JSON),
                    file.toString());
        } catch (CheckpointException e) {
            throw new ChipException(e);
        }
    }

    static Chip parse(JsonNode root, String origin) {
        if (root == null || !root.isObject()) {
            throw new ChipException(origin, "expected a JSON object at the top level");
        }
        JsonNode name = root.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw new ChipException(origin, "field \"name\": expected a non-empty string, found " + name);
        }
        JsonNode params = root.get("parameters");
        if (params == null || !params.isObject()) {
            throw new ChipException(origin, "field \"parameters\": expected an object, found " + params);
        }
        Map<String, Parameter> all = new LinkedHashMap<>();
        Map<String, BigDecimal> written = new HashMap<>();
        for (var entry : params.properties()) {
            all.put(entry.getKey(), parameter(origin, entry.getKey(), entry.getValue()));
            written.put(entry.getKey(), entry.getValue().get("value").decimalValue());
        }
        var reader = new Reader(origin, all, written);
        Chip chip = new Chip(
                name.asText(),
                execution(origin, root.get("execution")),
                (int) reader.read("pcus"),
                (int) reader.read("pmus"),
                (long) reader.read("pmu_capacity"),
                (long) reader.read("hbm_capacity"),
                reader.read("hbm_bandwidth"),
                (long) reader.read("ddr_capacity"),
                reader.read("ddr_bandwidth"),
                reader.read("clock"),
                (int) reader.read("pcu_lanes"),
                (int) reader.read("pcu_stages"),
                reader.read("program_load") * 1e9,
                reader.read("argument_load") * 1e9,
                reader.read("software_launch") * 1e9,
                reader.read("hardware_launch") * 1e9,
                reader.read("kernel_sync") * 1e9,
                reader.read("host_step") * 1e9,
                reader.read("agcu_step") * 1e9,
                reader.read("p2p_bandwidth"),
                reader.read("p2p_latency") * 1e9,
                reader.read("hbm_efficiency"),
                reader.read("ddr_efficiency"),
                reader.read("memory_request") * 1e9,
                reader.read("noc_hop_latency") * 1e9,
                (int) reader.read("noc_hops"),
                all);
        reader.rejectUnknown();
        return chip;
    }

    private static Chip.Execution execution(String origin, JsonNode node) {
        if (node == null) {
            return Chip.Execution.DATAFLOW;
        }
        return switch (node.asText()) {
            case "dataflow" -> Chip.Execution.DATAFLOW;
            case "kernel-by-kernel" -> Chip.Execution.KERNEL_BY_KERNEL;
            default -> throw new ChipException(origin, "field \"execution\": expected \"dataflow\" or"
                    + " \"kernel-by-kernel\", found " + node);
        };
    }

    private static Parameter parameter(String origin, String name, JsonNode node) {
        String field = "parameters." + name;
        if (!node.isObject()) {
            throw new ChipException(origin, "field " + quoted(field) + ": expected {\"value\", \"unit\", \"source\"},"
                    + " found " + node);
        }
        JsonNode value = node.get("value");
        JsonNode unit = node.get("unit");
        JsonNode source = node.get("source");
        if (value == null || !value.isNumber()) {
            throw new ChipException(origin, "field " + quoted(field + ".value") + ": expected a number, found "
                    + value);
        }
        if (unit == null || !unit.isTextual()) {
            throw new ChipException(origin, "field " + quoted(field + ".unit") + ": expected a unit string, found "
                    + unit);
        }
        if (source == null || !source.isTextual() || source.asText().isBlank()) {
            throw new ChipException(origin, "field " + quoted(field + ".source") + ": expected where the number comes"
                    + " from (a published result, or an assumption and what it is calibrated against), found " + source);
        }
        return new Parameter(name, value.asDouble(), unit.asText(), source.asText(), Double.NaN);
    }

    /** What a parameter measures and the range its value must lie in, in the quantity's base unit. */
    private record Range(Quantity quantity, double min, double max) {

        /** Counts and byte sizes are whole numbers. */
        boolean whole() {
            return quantity == Quantity.COUNT || quantity == Quantity.BYTES;
        }

        @Override
        public String toString() {
            return "a " + quantity.name().toLowerCase(Locale.ROOT) + " from " + format(min) + " to " + format(max)
                    + (quantity == Quantity.COUNT || quantity == Quantity.FRACTION ? "" : " " + quantity.baseUnit());
        }

        private static String format(double bound) {
            return bound < 1e5 ? BigDecimal.valueOf(bound).stripTrailingZeros().toPlainString()
                    : String.format(Locale.ROOT, "%.0e", bound).replaceFirst("e\\+0*", "e");
        }
    }

    /** A number as a JSON file writes it: its digits as read, with a lower-case exponent (1e300, 6.45e-8). */
    private static String asWritten(BigDecimal value) {
        return value.toString().replace("E+", "e").replace('E', 'e');
    }

    /**
     * Every parameter's range. The bounds are physical: every chip built lies well inside them, so a value outside is
     * a mistake (a wrong unit, an extra exponent), and every size and time the emulator derives from them stays
     * within a long and finite.
     */
    private static final Map<String, Range> RANGES = Map.ofEntries(
            // the largest chip built, a wafer-scale engine (Cerebras WSE-3), has 900,000 cores
            Map.entry("pcus", new Range(Quantity.COUNT, 1, 1e6)),
            Map.entry("pmus", new Range(Quantity.COUNT, 1, 1e6)),
            // one unit's SIMD lanes (SN40L 32; an H100 SM's 512 in dgx-h100.json) and pipeline stages (SN40L 6)
            Map.entry("pcu_lanes", new Range(Quantity.COUNT, 1, 65536)),
            Map.entry("pcu_stages", new Range(Quantity.COUNT, 1, 1024)),
            // one unit's SRAM: SN40L 512 KiB, an H100 SM 228 KiB; 1 GB is 2000x the largest
            Map.entry("pmu_capacity", new Range(Quantity.BYTES, 1, 1e9)),
            // a socket's memories: 1 PB is over 600x the 1.5 TB of DDR beside an SN40L, and thousands of sockets of
            // it still count their bytes within a long
            Map.entry("hbm_capacity", new Range(Quantity.BYTES, 1, 1e15)),
            Map.entry("ddr_capacity", new Range(Quantity.BYTES, 1, 1e15)),
            // HBM3e gives a GPU about 8 TB/s: 1 PB/s is over 100x any memory or link; below 1 MB/s is none
            Map.entry("hbm_bandwidth", new Range(Quantity.BANDWIDTH, 1e6, 1e15)),
            Map.entry("ddr_bandwidth", new Range(Quantity.BANDWIDTH, 1e6, 1e15)),
            Map.entry("p2p_bandwidth", new Range(Quantity.BANDWIDTH, 1e6, 1e15)),
            // no logic is clocked above about 10 GHz, nor an accelerator below 1 MHz
            Map.entry("clock", new Range(Quantity.FREQUENCY, 1e6, 1e11)),
            // launch, load, sync and step costs are microseconds on real systems, and 0 for a cost a chip does not
            // have (a GPU loads no program); a second is beyond any of them
            Map.entry("program_load", new Range(Quantity.TIME, 0, 1)),
            Map.entry("argument_load", new Range(Quantity.TIME, 0, 1)),
            Map.entry("software_launch", new Range(Quantity.TIME, 0, 1)),
            Map.entry("hardware_launch", new Range(Quantity.TIME, 0, 1)),
            Map.entry("kernel_sync", new Range(Quantity.TIME, 0, 1)),
            Map.entry("host_step", new Range(Quantity.TIME, 0, 1)),
            Map.entry("agcu_step", new Range(Quantity.TIME, 0, 1)),
            Map.entry("p2p_latency", new Range(Quantity.TIME, 0, 1)),
            // no memory streams faster than its peak, and one sustaining under 10% of it is broken, not slow
            Map.entry("hbm_efficiency", new Range(Quantity.FRACTION, 0.1, 1)),
            Map.entry("ddr_efficiency", new Range(Quantity.FRACTION, 0.1, 1)),
            // a DRAM row cycle is tens of nanoseconds; a microsecond per request would be slower than any DMA engine
            Map.entry("memory_request", new Range(Quantity.TIME, 0, 1e-6)),
            // a hop is a cycle or a few (about a nanosecond); 100 ns would be slower than a trip off the chip
            Map.entry("noc_hop_latency", new Range(Quantity.TIME, 0, 1e-7)),
            // hops across the largest mesh built (a wafer of 900,000 cores is about 1000 cores on a side) and back
            Map.entry("noc_hops", new Range(Quantity.COUNT, 0, 2000)));

    /**
     * Looks up the parameters the Chip record needs, checking unit and range on the value as written (exactly: a
     * fraction of a byte is not rounded away).
     */
    private record Reader(String origin, Map<String, Parameter> all, Map<String, BigDecimal> written) {

        /** The parameter's value in its quantity's base unit (count, bytes, B/s, Hz, s). */
        double read(String name) {
            Range range = RANGES.get(name);
            Quantity quantity = range.quantity();
            Parameter p = all.get(name);
            if (p == null) {
                throw new ChipException(origin, "missing parameter \"" + name + "\" (a "
                        + quantity.name().toLowerCase() + " in one of " + quantity.units() + ")");
            }
            Double factor = quantity.factor(p.unit());
            if (factor == null) {
                throw new ChipException(origin, "parameter \"" + name + "\": expected a unit of "
                        + quantity.name().toLowerCase() + " " + quantity.units() + ", found " + quoted(p.unit()));
            }
            BigDecimal value = written.get(name);
            BigDecimal base = value.multiply(BigDecimal.valueOf(factor));
            String found = ", found " + asWritten(value) + " " + p.unit();
            if (base.compareTo(BigDecimal.valueOf(range.min())) < 0
                    || base.compareTo(BigDecimal.valueOf(range.max())) > 0) {
                throw new ChipException(origin, "parameter \"" + name + "\": expected " + range + found);
            }
            if (range.whole() && base.stripTrailingZeros().scale() > 0) {
                throw new ChipException(origin, "parameter \"" + name + "\": expected a whole number of "
                        + (quantity == Quantity.COUNT ? "units" : "bytes") + found);
            }
            all.put(name, new Parameter(name, p.value(), p.unit(), p.source(), base.doubleValue()));
            return base.doubleValue();
        }

        /** A parameter nobody reads is most likely a typo: say so instead of ignoring it. */
        void rejectUnknown() {
            for (Parameter p : all.values()) {
                if (Double.isNaN(p.baseValue())) {
                    throw new ChipException(origin, "unknown parameter " + quoted(p.name()) + " (known: "
                            + all.values().stream().filter(q -> !Double.isNaN(q.baseValue())).map(Parameter::name).toList()
                            + ")");
                }
            }
        }
    }
}
