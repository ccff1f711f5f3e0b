package rdu.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Byte strings for the parsers' property tests, drawn from a seeded Random so that a failure repeats: some are noise,
 * most are a real file with a few edits (mostly a JSON value replaced by another; else a byte changed, a span cut or
 * repeated), which get further into a parser than noise does.
 */
public final class AnyBytes {

    /** Values an edit puts in place of one: sizes at and past the int and long limits, non-numbers, other types. */
    private static final String[] VALUES = {"-1", "0", "1", "2147483647", "2147483648", "4294967296",
            "9223372036854775807", "18446744073709551616", "1e300", "1e400", "-0.0", "0.5", "null", "true", "\"\"",
            "[]", "{}", "[1,2]", "\"\\n\"", "\"\\u0000\""};

    private AnyBytes() {
    }

    /** {@code count} byte strings: every fourth is noise of up to 4 KiB, the others an original with 1 to 3 edits. */
    public static List<byte[]> from(long seed, int count, List<byte[]> originals) {
        Random random = new Random(seed);
        List<byte[]> cases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (i % 4 == 0) {
                byte[] noise = new byte[random.nextInt(4097)];
                random.nextBytes(noise);
                cases.add(noise);
            } else {
                byte[] bytes = originals.get(random.nextInt(originals.size()));
                for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                    bytes = edit(bytes, random);
                }
                cases.add(bytes);
            }
        }
        return cases;
    }

    /** Mostly a JSON value replaced by another, which keeps the JSON parseable; else a byte changed, a span cut or repeated. */
    private static byte[] edit(byte[] bytes, Random random) {
        if (bytes.length == 0) {
            return VALUES[random.nextInt(VALUES.length)].getBytes(StandardCharsets.UTF_8);
        }
        int at = random.nextInt(bytes.length);
        int span = 1 + random.nextInt(Math.min(64, bytes.length - at));
        return switch (random.nextInt(10)) {
            case 0 -> {
                byte[] b = bytes.clone();
                b[at] = (byte) random.nextInt(256);
                yield b;
            }
            case 1 -> splice(bytes, at, span, new byte[0]);
            case 2 -> splice(bytes, at, 0, Arrays.copyOfRange(bytes, at, at + span));
            default -> replaceAValue(bytes, random);
        };
    }

    /** The JSON with one value anywhere in it replaced by one of {@link #VALUES}; bytes that are not JSON as they are. */
    private static byte[] replaceAValue(byte[] bytes, Random random) {
        JsonNode root;
        try {
            root = CheckpointFiles.JSON.readTree(bytes);
        } catch (IOException e) {
            return bytes;
        }
        List<Consumer<JsonNode>> places = new ArrayList<>();
        collectPlaces(root, places);
        if (places.isEmpty()) {
            return bytes;
        }
        try {
            places.get(random.nextInt(places.size())).accept(
                    CheckpointFiles.JSON.readTree(VALUES[random.nextInt(VALUES.length)]));
            return CheckpointFiles.JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A setter for every value in the tree under {@code node}, containers included. */
    private static void collectPlaces(JsonNode node, List<Consumer<JsonNode>> places) {
        if (node instanceof ObjectNode object) {
            for (Map.Entry<String, JsonNode> property : object.properties()) {
                places.add(value -> object.set(property.getKey(), value));
                collectPlaces(property.getValue(), places);
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                int index = i;
                places.add(value -> array.set(index, value));
                collectPlaces(array.get(i), places);
            }
        }
    }

    private static byte[] splice(byte[] bytes, int at, int remove, byte[] insert) {
        byte[] out = new byte[bytes.length - remove + insert.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(bytes, at + remove, out, at + insert.length, bytes.length - at - remove);
        return out;
    }

    /** Heap bytes this thread allocates while {@code action} runs: the JVM's own count, not an estimate. */
    public static long allocatedDuring(Runnable action) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        action.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
