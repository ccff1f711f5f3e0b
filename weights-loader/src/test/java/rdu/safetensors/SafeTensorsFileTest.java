package rdu.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import rdu.model.CheckpointException;
import rdu.model.SharedFiles;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

class SafeTensorsFileTest {

    @TempDir
    Path dir;

    static SafeTensorsWriter.Entry f32(String name, long[] shape, float... values) {
        return new SafeTensorsWriter.Entry(name, DType.F32, shape, out -> {
            ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                b.putFloat(v);
            }
            out.write(b.array());
        });
    }

    static SafeTensorsWriter.Entry bytes(String name, DType dtype, long[] shape, int... values) {
        return new SafeTensorsWriter.Entry(name, dtype, shape, out -> {
            for (int v : values) {
                out.write(v);
            }
        });
    }

    @Test
    void writtenFileReadsBackInHeaderOrderWithoutCopies() throws IOException {
        Path file = dir.resolve("w.safetensors");
        SafeTensorsWriter.write(file, Map.of("format", "pt"), List.of(
                f32("z.first", new long[] {2, 3}, 1, 2, 3, 4, 5, 6),
                bytes("a.second", DType.BF16, new long[] {2}, 0x80, 0x3f, 0, 0x40),
                bytes("m.empty", DType.U8, new long[] {0, 5}),
                bytes("b.int8", DType.I8, new long[] {3}, 0xff, 0, 1)));

        try (Arena arena = Arena.ofConfined()) {
            SafeTensorsFile st = SafeTensorsFile.open(file, arena);
            assertEquals(List.of("z.first", "a.second", "m.empty", "b.int8"), List.copyOf(st.tensors().keySet()));
            assertEquals(Map.of("format", "pt"), st.metadata());

            Tensor first = st.tensors().get("z.first");
            assertEquals(DType.F32, first.dtype());
            assertArrayEquals(new long[] {2, 3}, first.shape());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6},
                    first.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)));
            assertEquals(0, first.data().address() % 8, "header padding keeps tensor data 8-byte aligned");
            assertArrayEquals(new byte[] {(byte) 0x80, 0x3f, 0, 0x40}, st.tensors().get("a.second").data().toArray(ValueLayout.JAVA_BYTE));
            assertEquals(0, st.tensors().get("m.empty").byteSize());
            assertArrayEquals(new byte[] {-1, 0, 1}, st.tensors().get("b.int8").data().toArray(ValueLayout.JAVA_BYTE));
            assertTrue(first.data().isMapped(), "tensor data is a view on the mapped file");
        }
    }

    @Test
    void realCheckpointOpens() {
        try (Arena arena = Arena.ofConfined()) {
            SafeTensorsFile st = SafeTensorsFile.open(SharedFiles.model("stories260K-hf/model.safetensors"), arena);
            assertEquals(1 + 5 * 9 + 1, st.tensors().size());
            Tensor embedding = st.tensors().get("model.embed_tokens.weight");
            assertEquals(DType.F32, embedding.dtype());
            assertArrayEquals(new long[] {512, 64}, embedding.shape());
            assertArrayEquals(new long[] {172, 64}, st.tensors().get("model.layers.4.mlp.up_proj.weight").shape());
        }
    }

    @Test
    void tooShortFileIsTruncated() throws IOException {
        Path file = Files.write(dir.resolve("short.safetensors"), new byte[5]);
        assertError(file, "header length", "a file of 5 bytes (truncated)");
        assertError(Files.write(dir.resolve("empty.safetensors"), new byte[0]), "a file of 0 bytes (truncated)");
    }

    @Test
    void headerLengthBeyondTheFileIsRejectedBeforeReadingIt() throws IOException {
        assertError(rawLength(dir.resolve("a.safetensors"), 1000, 20), "header length: expected at most 20 bytes",
                "found 1000");
        assertError(rawLength(dir.resolve("b.safetensors"), -1, 20), "found 18446744073709551615");
        assertError(rawLength(dir.resolve("c.safetensors"), Long.MAX_VALUE, 20), "found " + Long.MAX_VALUE);
    }

    @Test
    void headerLongerThan100MiBIsRejectedEvenWhenTheFileIsThatLong() throws IOException {
        Path file = dir.resolve("huge.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(200L << 20); // sparse: costs no disk
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(150L << 20).array());
        }
        assertError(file, "header length: expected at most " + (100L << 20), "found " + (150L << 20));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {not json                                                   | header: expected a JSON object, found invalid JSON
            [1, 2]                                                      | header: expected a JSON object, found [1,2] (array)
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}} x | header: expected a JSON object, found invalid JSON
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}} | Duplicate field 'a'
            {"a": 5}                                                    | tensor "a": expected an object with dtype, shape and data_offsets, found 5 (number)
            {"a": {"shape": [1], "data_offsets": [0, 4]}}                | tensor "a" dtype: expected a string, found no such field
            {"a": {"dtype": 4, "shape": [1], "data_offsets": [0, 4]}}    | tensor "a" dtype: expected a string, found 4 (number)
            {"a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}} | tensor "a" dtype: expected one of [F32, F16, BF16, I8, U8, F8_E4M3, F8_E5M2], found "F64" (unsupported)
            {"a": {"dtype": "F32", "data_offsets": [0, 4]}}              | tensor "a" shape: expected an array of non-negative integers, found no such field
            {"a": {"dtype": "F32", "shape": "1", "data_offsets": [0, 4]}} | tensor "a" shape: expected an array of non-negative integers, found "1" (string)
            {"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}} | tensor "a" shape: expected an array of non-negative integers, found [-1] (array)
            {"a": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}} | tensor "a" shape: expected an array of non-negative integers, found [1.5] (array)
            {"a": {"dtype": "F32", "shape": [1]}}                        | tensor "a" data_offsets: expected [begin, end] with 0 <= begin <= end <= 16 (data section size), found no such field
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}} | tensor "a" data_offsets: expected [begin, end] with 0 <= begin <= end <= 16 (data section size), found [0,4,8] (array)
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}} | tensor "a" data_offsets: expected [begin, end] with 0 <= begin <= end <= 16 (data section size), found [8, 4]
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [16, 20]}} | tensor "a" data_offsets: expected [begin, end] with 0 <= begin <= end <= 16 (data section size), found [16, 20]
            {"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 8]}} | tensor "a" data_offsets: expected end - begin = 16 bytes (shape [2, 2] of F32), found [0, 8] = 8 bytes
            {"a": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 8]}} | tensor "a" shape: expected an element count that fits in 64 bits
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}} | tensor "b" data_offsets: expected bytes not shared with tensor "a" [0, 8], found [4, 12] (overlapping)
            {"__metadata__": {"format": 1}}                              | __metadata__ "format": expected a string, found 1 (number)
            {"__metadata__": []}                                         | __metadata__: expected an object of strings, found [] (array)
            """)
    void badHeaderNamesFieldExpectedAndFound(String header, String message) throws IOException {
        assertError(raw(dir.resolve("bad.safetensors"), header.strip(), 16), message);
    }

    /** Found by SafeTensorsFileFuzzTest: a line break in a tensor name broke the message in two. */
    @Test
    void namesFromTheHeaderAreQuotedInOneLine() throws IOException {
        assertError(raw(dir.resolve("t.safetensors"), "{\"a\\rb\": 5}", 0), "tensor \"a\\rb\": expected an object");
        assertError(raw(dir.resolve("m.safetensors"), "{\"__metadata__\": {\"x\\ny\": 1}}", 0),
                "__metadata__ \"x\\ny\": expected a string");
        assertError(raw(dir.resolve("o.safetensors"), """
                {"a\\n": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                 "b\\n": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""", 16),
                "tensor \"b\\n\" data_offsets: expected bytes not shared with tensor \"a\\n\" [0, 8]");
    }

    @Test
    void overlapIsFoundWhicheverOrderTheHeaderListsTensors() throws IOException {
        Path file = raw(dir.resolve("o.safetensors"), """
                {"b": {"dtype": "F32", "shape": [3], "data_offsets": [4, 16]},
                 "e": {"dtype": "F32", "shape": [0], "data_offsets": [2, 2]},
                 "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}""", 16);
        assertError(file, "tensor \"b\" data_offsets: expected bytes not shared with tensor \"a\" [0, 8], found [4, 16]");
    }

    @Test
    void emptyHeaderObjectIsAValidFileWithoutTensors() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            SafeTensorsFile st = SafeTensorsFile.open(raw(dir.resolve("e.safetensors"), "{}", 0), arena);
            assertTrue(st.tensors().isEmpty());
            assertTrue(st.metadata().isEmpty());
        }
    }

    @Test
    void missingFileIsNamed() {
        Path file = dir.resolve("nope.safetensors");
        assertError(file, "nope.safetensors: file not found");
    }

    /** A file with this header text and {@code dataBytes} zero bytes of data. */
    static Path raw(Path file, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        return Files.write(file, b.array());
    }

    private static Path rawLength(Path file, long headerLength, int restBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + restBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength);
        return Files.write(file, b.array());
    }

    private static void assertError(Path file, String... fragments) {
        try (Arena arena = Arena.ofConfined()) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensorsFile.open(file, arena));
            assertEquals(file, e.file());
            for (String fragment : fragments) {
                assertTrue(e.getMessage().contains(fragment), () -> "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
            }
        }
    }
}
