package rdu.llama2c;

import static rdu.model.OneLineError.assertReturnsOrRefuses;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import rdu.model.CheckpointException;

/**
 * Any bytes as the start of a llama2.c checkpoint: weights, or one line. The corpus (Llama2cCheckpointFuzzTestInputs)
 * holds the shared models' 28-byte headers; {@code scripts/fuzz llama2c} looks for more.
 */
class Llama2cCheckpointFuzzTest {

    /** Larger files are left as they are: the weights are never read, but a test should not make gigabytes. */
    private static final long MAX_PADDED_BYTES = 64L << 20;

    @TempDir
    Path dir;

    @FuzzTest
    @Timeout(10)
    void readAnyCheckpoint(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve("model.bin"), bytes);
        padToTheSizeTheHeaderImplies(file, bytes);
        assertReturnsOrRefuses(CheckpointException.class, bytes, () -> {
            try (Arena arena = Arena.ofConfined()) {
                Llama2cCheckpoint.read(file, arena);
            }
        });
    }

    /**
     * Zeros after the input up to the size a header of sane sizes asks for, so that a fuzzed header can get past the
     * file-size check to the slicing behind it (the fuzzer cannot grow an input to an exact megabyte size itself).
     */
    private static void padToTheSizeTheHeaderImplies(Path file, byte[] bytes) throws IOException {
        if (bytes.length < 28) {
            return;
        }
        ByteBuffer header = ByteBuffer.wrap(bytes, 0, 28).order(ByteOrder.LITTLE_ENDIAN);
        long dim = header.getInt();
        long hidden = header.getInt();
        long layers = header.getInt();
        long heads = header.getInt();
        long kvHeads = header.getInt();
        long vocab = Math.abs((long) header.getInt());
        long seqLen = header.getInt();
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || seqLen <= 0
                || dim > 1 << 12 || hidden > 1 << 12 || layers > 64 || vocab > 1 << 16 || seqLen > 1 << 16) {
            return;
        }
        long headSize = dim / heads;
        long perLayer = 2 * dim + 2 * dim * dim + 2 * kvHeads * headSize * dim + 3 * hidden * dim;
        long classifiers = bytes[23] < 0 ? 2 : 1; // a negative vocab_size: a classifier of its own after the rest
        long floats = classifiers * vocab * dim + layers * perLayer + dim + seqLen * (headSize / 2 * 2);
        long size = 28 + 4 * floats;
        if (size > bytes.length && size <= MAX_PADDED_BYTES) {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.setLength(size);
            }
        }
    }
}
