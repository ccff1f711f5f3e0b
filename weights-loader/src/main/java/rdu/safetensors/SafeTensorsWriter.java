package rdu.safetensors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import rdu.model.CheckpointFiles;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

/**
 * Writes a valid safetensors file for tests and benchmarks. Tensor bytes are streamed from producers,
 * so a file far larger than the heap can be written.
 */
public final class SafeTensorsWriter {

    /** Writes exactly the bytes of one tensor (row-major, little-endian) to {@code out}. */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(OutputStream out) throws IOException;
    }

    public record Entry(String name, DType dtype, long[] shape, TensorBytes bytes) {

        public Entry {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public long byteSize() {
            return Math.multiplyExact(Tensor.elementCount(shape), dtype.bytes());
        }
    }

    private SafeTensorsWriter() {
    }

    /** Writes {@code entries} in order, back to back; {@code metadata} becomes "__metadata__" unless empty. */
    public static void write(Path file, Map<String, String> metadata, List<Entry> entries) throws IOException {
        ObjectNode header = CheckpointFiles.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (Entry e : entries) {
            if (!names.add(e.name) || e.name.equals("__metadata__")) {
                throw new IllegalArgumentException("tensor name \"" + e.name + "\" is used twice or reserved");
            }
            ObjectNode node = header.putObject(e.name);
            node.put("dtype", e.dtype.safetensorsName());
            ArrayNode shape = node.putArray("shape");
            for (long d : e.shape) {
                shape.add(d);
            }
            node.putArray("data_offsets").add(offset).add(offset + e.byteSize());
            offset += e.byteSize();
        }
        byte[] json = CheckpointFiles.JSON.writeValueAsBytes(header);
        // Spaces pad the header to a multiple of 8 so that tensor data starts 8-byte aligned, as the format advises.
        int padding = (8 - json.length % 8) % 8;

        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length + padding).array());
            out.write(json);
            for (int i = 0; i < padding; i++) {
                out.write(' ');
            }
            for (Entry e : entries) {
                CountingStream counted = new CountingStream(out);
                e.bytes.writeTo(counted);
                if (counted.count != e.byteSize()) {
                    throw new IOException("tensor \"" + e.name + "\": producer wrote " + counted.count
                            + " bytes, shape " + Arrays.toString(e.shape) + " of " + e.dtype + " needs "
                            + e.byteSize());
                }
            }
        }
    }

    /** Passes bytes through and counts them; closing it does not close the file. */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void close() {
        }
    }
}
