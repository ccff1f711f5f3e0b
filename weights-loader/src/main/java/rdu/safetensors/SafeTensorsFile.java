package rdu.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

/**
 * One memory-mapped safetensors file: an 8-byte little-endian header length N, N bytes of JSON describing
 * every tensor (dtype, shape, data_offsets relative to the data section), then the data section.
 * Tensors are views on the mapping; nothing is copied.
 *
 * @param tensors in header order
 * @param metadata the header's "__metadata__" string map (empty when absent)
 */
public record SafeTensorsFile(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {

    /** Real headers are a few MB at most; a larger length is corruption, and must not make us allocate it. */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public SafeTensorsFile {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** One header entry, checked against the data section, before it becomes a Tensor. */
    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    /** Maps {@code file} into {@code arena} and validates its header; the tensors live as long as the arena. */
    public static SafeTensorsFile open(Path file, Arena arena) {
        MemorySegment mapped = CheckpointFiles.map(file, arena);
        long size = mapped.byteSize();
        if (size < 8) {
            throw new CheckpointException(file, "header length", "an 8-byte little-endian u64",
                    "a file of " + size + " bytes (truncated)");
        }
        long headerLength = mapped.get(U64_LE, 0);
        long limit = Math.min(size - 8, MAX_HEADER_BYTES);
        if (headerLength < 0 || headerLength > limit) {
            throw new CheckpointException(file, "header length",
                    "at most " + limit + " bytes (file size - 8, and at most 100 MiB)",
                    Long.toUnsignedString(headerLength));
        }
        byte[] json = mapped.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        JsonNode header = CheckpointFiles.parseJsonObject(file, "header", json);

        long dataStart = 8 + headerLength;
        long dataSize = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> property : header.properties()) {
            if (property.getKey().equals("__metadata__")) {
                metadata = metadata(file, property.getValue());
            } else {
                entries.add(entry(file, property.getKey(), property.getValue(), dataSize));
            }
        }
        checkNoOverlap(file, entries);

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            MemorySegment data = mapped.asSlice(dataStart + e.begin, e.end - e.begin);
            tensors.put(e.name, new Tensor(e.name, e.dtype, e.shape, data));
        }
        return new SafeTensorsFile(file, tensors, metadata);
    }

    private static Map<String, String> metadata(Path file, JsonNode node) {
        if (!node.isObject()) {
            throw new CheckpointException(file, "__metadata__", "an object of strings", CheckpointFiles.describe(node));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> property : node.properties()) {
            if (!property.getValue().isTextual()) {
                throw new CheckpointException(file, "__metadata__ " + CheckpointFiles.quoted(property.getKey()), "a string",
                        CheckpointFiles.describe(property.getValue()));
            }
            metadata.put(property.getKey(), property.getValue().textValue());
        }
        return metadata;
    }

    private static Entry entry(Path file, String name, JsonNode node, long dataSize) {
        String field = "tensor " + CheckpointFiles.quoted(name);
        if (!node.isObject()) {
            throw new CheckpointException(file, field, "an object with dtype, shape and data_offsets",
                    CheckpointFiles.describe(node));
        }
        JsonNode dtypeNode = node.path("dtype");
        if (!dtypeNode.isTextual()) {
            throw new CheckpointException(file, field + " dtype", "a string", CheckpointFiles.describe(dtypeNode));
        }
        DType dtype = DType.fromSafetensorsName(dtypeNode.textValue()).orElseThrow(() -> new CheckpointException(
                file, field + " dtype", "one of " + Arrays.stream(DType.values()).map(DType::safetensorsName).toList(),
                "\"" + dtypeNode.textValue() + "\" (unsupported)"));

        long[] shape = longs(file, field + " shape", node.path("shape"), "an array of non-negative integers", -1);
        long[] offsets = longs(file, field + " data_offsets", node.path("data_offsets"),
                "[begin, end] with 0 <= begin <= end <= " + dataSize + " (data section size)", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataSize) {
            throw new CheckpointException(file, field + " data_offsets",
                    "[begin, end] with 0 <= begin <= end <= " + dataSize + " (data section size)",
                    Arrays.toString(offsets));
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(Tensor.elementCount(shape), dtype.bytes());
        } catch (ArithmeticException e) {
            throw new CheckpointException(file, field + " shape", "an element count that fits in 64 bits",
                    Arrays.toString(shape));
        }
        if (end - begin != bytes) {
            throw new CheckpointException(file, field + " data_offsets",
                    "end - begin = " + bytes + " bytes (shape " + Arrays.toString(shape) + " of " + dtype + ")",
                    Arrays.toString(offsets) + " = " + (end - begin) + " bytes");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative integers (of {@code length} elements unless it is -1). */
    private static long[] longs(Path file, String field, JsonNode node, String expected, int length) {
        if (!node.isArray() || (length >= 0 && node.size() != length)) {
            throw new CheckpointException(file, field, expected, CheckpointFiles.describe(node));
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new CheckpointException(file, field, expected, CheckpointFiles.describe(node));
            }
            values[i] = v.longValue();
        }
        return values;
    }

    private static void checkNoOverlap(Path file, List<Entry> entries) {
        List<Entry> byBegin = new ArrayList<>(entries);
        byBegin.sort(Comparator.comparingLong(Entry::begin));
        Entry furthest = null;
        for (Entry e : byBegin) {
            if (e.begin == e.end) {
                continue; // an empty tensor owns no bytes
            }
            if (furthest != null && e.begin < furthest.end) {
                throw new CheckpointException(file, "tensor " + CheckpointFiles.quoted(e.name) + " data_offsets",
                        "bytes not shared with tensor " + CheckpointFiles.quoted(furthest.name) + " [" + furthest.begin + ", "
                                + furthest.end + "]",
                        "[" + e.begin + ", " + e.end + "] (overlapping)");
            }
            furthest = e;
        }
    }
}
