package rdu.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rdu.safetensors.SafeTensorsFileTest.f32;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.tensor.DType;

class SafeTensorsWriterTest {

    @TempDir
    Path dir;

    @Test
    void producerWritingTheWrongByteCountFails() {
        IOException e = assertThrows(IOException.class, () -> SafeTensorsWriter.write(dir.resolve("x.safetensors"),
                Map.of(), List.of(f32("w", new long[] {2, 2}, 1, 2, 3))));
        assertEquals("tensor \"w\": producer wrote 12 bytes, shape [2, 2] of F32 needs 16", e.getMessage());
    }

    @Test
    void duplicateNamesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> SafeTensorsWriter.write(dir.resolve("x.safetensors"),
                Map.of(), List.of(f32("w", new long[] {1}, 1), f32("w", new long[] {1}, 2))));
    }

    @Test
    void largeTensorIsStreamedInPieces() throws IOException {
        // 64 MiB written 64 KiB at a time: the writer never needs the whole tensor in memory.
        long bytes = 64L << 20;
        byte[] chunk = new byte[64 << 10];
        chunk[0] = 42;
        Path file = dir.resolve("big.safetensors");
        SafeTensorsWriter.write(file, Map.of(), List.of(new SafeTensorsWriter.Entry("big", DType.U8, new long[] {bytes},
                out -> {
                    for (long written = 0; written < bytes; written += chunk.length) {
                        out.write(chunk);
                    }
                })));
        try (Arena arena = Arena.ofConfined()) {
            SafeTensorsFile st = SafeTensorsFile.open(file, arena);
            assertEquals(bytes, st.tensors().get("big").byteSize());
            assertEquals(42, st.tensors().get("big").data().get(ValueLayout.JAVA_BYTE, bytes - chunk.length));
        }
        assertTrue(Files.size(file) > bytes);
    }
}
