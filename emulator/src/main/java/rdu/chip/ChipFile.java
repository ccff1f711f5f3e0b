package rdu.chip;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    private ChipFile() {
    }

    /** A shipped chip by name ("sn40l" or "sn40l.json"), else a file path. */
    public static Chip load(String nameOrPath) {
        String resource = nameOrPath.endsWith(".json") ? nameOrPath : nameOrPath + ".json";
        InputStream shipped = ChipFile.class.getResourceAsStream(resource);
        if (shipped != null && !resource.contains("/")) {
            try (shipped) {
                return parse(new ObjectMapper().readTree(shipped), "chip " + resource + " (shipped)");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Path file = Path.of(nameOrPath);
        if (!Files.isRegularFile(file)) {
            throw new ChipException(nameOrPath, "no such chip: not a shipped chip " + SHIPPED + " and not a file");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new ChipException(file.toString(), "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ChipException(file.toString(), "cannot read: " + e.getMessage());
        }
        return parse(root, file.toString());
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
        for (var entry : params.properties()) {
            all.put(entry.getKey(), parameter(origin, entry.getKey(), entry.getValue()));
        }
        var reader = new Reader(origin, all);
        Chip chip = new Chip(
                name.asText(),
                execution(origin, root.get("execution")),
                (int) reader.positive("pcus", Quantity.COUNT),
                (int) reader.positive("pmus", Quantity.COUNT),
                (long) reader.positive("pmu_capacity", Quantity.BYTES),
                (long) reader.positive("hbm_capacity", Quantity.BYTES),
                reader.positive("hbm_bandwidth", Quantity.BANDWIDTH),
                (long) reader.positive("ddr_capacity", Quantity.BYTES),
                reader.positive("ddr_bandwidth", Quantity.BANDWIDTH),
                reader.positive("clock", Quantity.FREQUENCY),
                (int) reader.positive("pcu_lanes", Quantity.COUNT),
                (int) reader.positive("pcu_stages", Quantity.COUNT),
                reader.nonNegative("program_load", Quantity.TIME) * 1e9,
                reader.nonNegative("argument_load", Quantity.TIME) * 1e9,
                reader.nonNegative("software_launch", Quantity.TIME) * 1e9,
                reader.nonNegative("hardware_launch", Quantity.TIME) * 1e9,
                reader.nonNegative("kernel_sync", Quantity.TIME) * 1e9,
                reader.nonNegative("host_step", Quantity.TIME) * 1e9,
                reader.nonNegative("agcu_step", Quantity.TIME) * 1e9,
                reader.positive("p2p_bandwidth", Quantity.BANDWIDTH),
                reader.nonNegative("p2p_latency", Quantity.TIME) * 1e9,
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
            throw new ChipException(origin, "field " + quoted(field) + ": expected {\"value\", \"unit\", \"source\"}, found " + node);
        }
        JsonNode value = node.get("value");
        JsonNode unit = node.get("unit");
        JsonNode source = node.get("source");
        if (value == null || !value.isNumber()) {
            throw new ChipException(origin, "field " + quoted(field + ".value") + ": expected a number, found " + value);
        }
        if (unit == null || !unit.isTextual()) {
            throw new ChipException(origin, "field " + quoted(field + ".unit") + ": expected a unit string, found " + unit);
        }
        if (source == null || !source.isTextual() || source.asText().isBlank()) {
            throw new ChipException(origin, "field " + quoted(field + ".source") + ": expected where the number comes from"
                    + " (a published result, or an assumption and what it is calibrated against), found " + source);
        }
        return new Parameter(name, value.asDouble(), unit.asText(), source.asText(), Double.NaN);
    }

    /** Text from the file as a JSON string, so that a message stays one line whatever the text holds. */
    private static String quoted(String text) {
        return TextNode.valueOf(text).toString();
    }

    /** Looks up the parameters the Chip record needs, checking unit and range. */
    private record Reader(String origin, Map<String, Parameter> all) {

        /** A time that may be zero: a cost the chip does not have (a GPU loads no program). */
        double nonNegative(String name, Quantity quantity) {
            return read(name, quantity, true);
        }

        double positive(String name, Quantity quantity) {
            return read(name, quantity, false);
        }

        private double read(String name, Quantity quantity, boolean zeroAllowed) {
            Parameter p = all.get(name);
            if (p == null) {
                throw new ChipException(origin, "missing parameter \"" + name + "\" (a " + quantity.name().toLowerCase()
                        + " in one of " + quantity.units() + ")");
            }
            Double factor = quantity.factor(p.unit());
            if (factor == null) {
                throw new ChipException(origin, "parameter \"" + name + "\": expected a unit of "
                        + quantity.name().toLowerCase() + " " + quantity.units() + ", found " + quoted(p.unit()));
            }
            double base = p.value() * factor;
            if (!(base > 0 || zeroAllowed && base == 0) || Double.isInfinite(base)) {
                throw new ChipException(origin, "parameter \"" + name + "\": expected a " + (zeroAllowed ? "non-negative"
                        : "positive") + " value, found " + p.value());
            }
            if (quantity == Quantity.COUNT && base != Math.rint(base)) {
                throw new ChipException(origin, "parameter \"" + name + "\": expected a whole count, found " + p.value());
            }
            all.put(name, new Parameter(name, p.value(), p.unit(), p.source(), base));
            return base;
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
