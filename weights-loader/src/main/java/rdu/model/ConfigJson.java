package rdu.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields of a config.json object, read with their types checked: a field that is absent (or a JSON null, as in
 * transformers) takes the default given, a field of the wrong type or range is a {@link CheckpointException} naming
 * the file and the field. {@code prefix} names a nested object's fields in errors ("rope_scaling.factor").
 */
public record ConfigJson(Path file, JsonNode node, String prefix) {

    /** The top-level object of {@code file}. */
    public ConfigJson(Path file, JsonNode node) {
        this(file, node, "");
    }

    /** Whether {@code field} is present and not null. */
    public boolean has(String field) {
        return !absent(node.path(field));
    }

    /** The raw value of {@code field} (a missing node when absent). */
    public JsonNode get(String field) {
        return node.path(field);
    }

    /** The nested object {@code field}, whose fields errors name as "field.name". */
    public ConfigJson object(String field) {
        if (!node.path(field).isObject()) {
            throw error(field, "an object");
        }
        return new ConfigJson(file, node.get(field), prefix + field + ".");
    }

    /** A required integer of at least {@code min}. */
    public int integer(String field, int min) {
        return CheckpointFiles.intAtLeast(file, prefix + field, node.path(field), min);
    }

    /** An integer of at least {@code min}, or {@code absent} when the field is. */
    public int integer(String field, int min, int absent) {
        return has(field) ? integer(field, min) : absent;
    }

    /** A required positive finite number. */
    public double positive(String field) {
        JsonNode value = node.path(field);
        if (!value.isNumber() || !(value.doubleValue() > 0) || Double.isInfinite(value.doubleValue())) {
            throw error(field, "a positive number");
        }
        return value.doubleValue();
    }

    /** A positive finite number, or {@code absent} when the field is. */
    public double positive(String field, double absent) {
        return has(field) ? positive(field) : absent;
    }

    /** A list of positive finite numbers. */
    public List<Double> positives(String field) {
        JsonNode value = node.path(field);
        if (!value.isArray()) {
            throw error(field, "a list of positive numbers");
        }
        List<Double> numbers = new ArrayList<>();
        for (JsonNode n : value) {
            if (!n.isNumber() || !(n.doubleValue() > 0) || Double.isInfinite(n.doubleValue())) {
                throw error(field, "a list of positive numbers");
            }
            numbers.add(n.doubleValue());
        }
        return numbers;
    }

    /** true or false, or {@code absent} when the field is. */
    public boolean bool(String field, boolean absent) {
        if (!has(field)) {
            return absent;
        }
        if (!node.path(field).isBoolean()) {
            throw error(field, "true or false");
        }
        return node.path(field).booleanValue();
    }

    /** A string, or {@code absent} when the field is. */
    public String text(String field, String absent) {
        if (!has(field)) {
            return absent;
        }
        if (!node.path(field).isTextual()) {
            throw error(field, "a string");
        }
        return node.path(field).textValue();
    }

    /** An error for {@code field}, which should have been {@code expected}, saying what it is. */
    public CheckpointException error(String field, String expected) {
        return new CheckpointException(file, prefix + field, expected, CheckpointFiles.describe(node.path(field)));
    }

    /** An error for {@code field} whose value is wrong as {@code problem} says. */
    public CheckpointException invalid(String field, String problem) {
        return new CheckpointException(file, prefix + field + ": " + problem);
    }

    private static boolean absent(JsonNode value) {
        return value.isMissingNode() || value.isNull();
    }
}
