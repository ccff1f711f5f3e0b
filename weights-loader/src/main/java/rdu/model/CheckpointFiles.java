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
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Every checkpoint file the loaders open (mapped binaries, JSON, tokenizers) is opened here: only regular files (a
 * named pipe would block the open forever), files read whole only up to {@link #MAX_READ_BYTES}, and errors that name
 * the file and say what is wrong in words, never a Java exception's class name.
 */
public final class CheckpointFiles {

    /** Strict JSON: a duplicated key or trailing garbage means a broken file, not "last one wins". */
    public static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /**
     * The most a file read whole into memory (JSON, a llama2.c tokenizer) may hold. Real ones are a few MB, the largest
     * tens of MB (Gemma 3's tokenizer.json, about 33 MB); a larger file is not one, and must not make us allocate it.
     */
    public static final long MAX_READ_BYTES = 100L << 20;

    private CheckpointFiles() {
    }

    /** Maps the whole file read-only into {@code arena}: no copy, no 2 GiB limit, unmapped when the arena closes. */
    public static MemorySegment map(Path file, Arena arena) {
        requireRegularFile(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return channel.map(MapMode.READ_ONLY, 0, channel.size(), arena);
        } catch (IOException e) {
            throw readError(file, e);
        }
    }

    /** The whole file; one larger than {@link #MAX_READ_BYTES} is refused before any of it is read. */
    public static byte[] readBytes(Path file) {
        return readBytes(file, MAX_READ_BYTES);
    }

    /** The whole file; one larger than {@code maxBytes} is refused before any of it is read. */
    public static byte[] readBytes(Path file, long maxBytes) {
        long size = requireRegularFile(file).size();
        if (size > maxBytes) {
            throw new CheckpointException(file, "file size", "at most " + maxBytes + " bytes", size + " bytes");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes((int) size); // the size checked: a file growing meanwhile cannot make us read more
        } catch (IOException e) {
            throw readError(file, e);
        }
    }

    /** An error for a file that could not be read, in words; a missing file is "file not found". */
    public static CheckpointException readError(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new CheckpointException(file, "file not found");
        }
        return new CheckpointException(file, "cannot read: " + reason(e), e);
    }

    /** What went wrong, as the operating system says it ("permission denied"), without the exception's class. */
    public static String reason(IOException e) {
        return switch (e) {
            case NoSuchFileException missing -> "file not found";
            case AccessDeniedException denied -> "permission denied";
            case FileSystemException other -> other.getReason() != null ? other.getReason() : "file system error";
            default -> e.getMessage() != null ? e.getMessage() : "input/output error";
        };
    }

    /** The file's attributes, if it is a regular file (or a link to one); opening anything else may block or fail. */
    private static BasicFileAttributes requireRegularFile(Path file) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw readError(file, e);
        }
        if (!attributes.isRegularFile()) {
            throw new CheckpointException(file, "is " + kind(file, attributes) + ", expected a regular file");
        }
        return attributes;
    }

    private static String kind(Path file, BasicFileAttributes attributes) {
        if (attributes.isDirectory()) {
            return "a directory";
        }
        try {
            int type = (int) Files.getAttribute(file, "unix:mode") & 0170000; // S_IFMT bits of st_mode
            return switch (type) {
                case 0010000 -> "a named pipe";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException e) {
            return "a special file"; // no unix attribute view (Windows)
        }
    }

    /** Reads a file that must hold one JSON object. */
    public static JsonNode readJsonObject(Path file) {
        return parseJsonObject(file, "JSON", readBytes(file));
    }

    /** Parses {@code json} (the part of {@code file} called {@code field}) as one JSON object. */
    public static JsonNode parseJsonObject(Path file, String field, byte[] json) {
        return parseJsonObject(file, field, json, JSON);
    }

    /** The same, with a mapper built from {@link #JSON} with other ways of reading numbers. */
    public static JsonNode parseJsonObject(Path file, String field, byte[] json, ObjectMapper mapper) {
        JsonNode node;
        try {
            node = mapper.readTree(json);
        } catch (MismatchedInputException e) {
            // readTree binds nothing, so this is FAIL_ON_TRAILING_TOKENS, whose own message names Jackson's classes
            throw new CheckpointException(file, field, "a JSON object", "invalid JSON (more after its end, at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (JacksonException e) {
            throw new CheckpointException(file, field, "a JSON object", "invalid JSON (" + e.getOriginalMessage() + ")");
        } catch (NumberFormatException e) {
            // a mapper reading exact decimals refuses an exponent beyond an int; its message names BigDecimal
            throw new CheckpointException(file, field, "a JSON object", "invalid JSON (a number whose exponent is too"
                    + " large to read)");
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
}
