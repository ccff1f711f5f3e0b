package rdu.model;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.CharConversionException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reading checkpoint files (mapped binaries, JSON) with errors that name the file, never a bare IOException.
 */
public final class CheckpointFiles {

    /** Strict JSON: a duplicated key or trailing garbage means a broken file, not "last one wins". */
    public static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private CheckpointFiles() {
    }

    /** Maps the whole file read-only into {@code arena}: no copy, no 2 GiB limit, unmapped when the arena closes. */
    public static MemorySegment map(Path file, Arena arena) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return channel.map(MapMode.READ_ONLY, 0, channel.size(), arena);
        } catch (IOException e) {
            throw readError(file, e);
        }
    }

    public static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw readError(file, e);
        }
    }

    /** Reads a file that must hold one JSON object. */
    public static JsonNode readJsonObject(Path file) {
        return parseJsonObject(file, "JSON", readBytes(file));
    }

    /** Parses {@code json} (the part of {@code file} called {@code field}) as one JSON object. */
    public static JsonNode parseJsonObject(Path file, String field, byte[] json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (MismatchedInputException e) {
            // readTree binds nothing, so this is FAIL_ON_TRAILING_TOKENS, whose own message names Jackson's classes
            throw new CheckpointException(file, field, "a JSON object", "invalid JSON (more after its end, at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (JacksonException e) {
            throw new CheckpointException(file, field, "a JSON object", "invalid JSON (" + e.getOriginalMessage() + ")");
        } catch (CharConversionException e) {
            // zero bytes at the start make Jackson read UTF-16 or UTF-32, and the rest is not valid in it
            throw new CheckpointException(file, field, "a JSON object", "invalid JSON (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw readError(file, e);
        }
        if (node == null || node.isMissingNode()) {
            throw new CheckpointException(file, field, "a JSON object", "no content");
        }
        if (!node.isObject()) {
            throw new CheckpointException(file, field, "a JSON object", describe(node));
        }
        return node;
    }

    /** {@code config.field} as an int of at least {@code min}, or an error naming the file and the field. */
    public static int intAtLeast(Path file, JsonNode config, String field, int min) {
        return intAtLeast(file, field, config.path(field), min);
    }

    /** {@code node} as an int of at least {@code min}, or an error naming the file and {@code field}. */
    public static int intAtLeast(Path file, String field, JsonNode node, int min) {
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < min) {
            String expected = min == 1 ? "a positive integer" : min == 0 ? "a non-negative integer"
                    : "an integer >= " + min;
            throw new CheckpointException(file, field, expected, describe(node));
        }
        return node.intValue();
    }

    /** Text from a file (a tensor or field name) as a JSON string, so that a message stays one line whatever it holds. */
    public static String quoted(String text) {
        return TextNode.valueOf(text).toString();
    }

    /** A JSON value as an error message shows it: the value (shortened) and its JSON type. */
    public static String describe(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "no such field";
        }
        String text = value.toString();
        if (text.length() > 60) {
            text = text.substring(0, 57) + "...";
        }
        return text + " (" + value.getNodeType().name().toLowerCase() + ")";
    }

    private static CheckpointException readError(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new CheckpointException(file, "file not found");
        }
        return new CheckpointException(file, "cannot read: " + e, e);
    }
}
