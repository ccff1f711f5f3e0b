package rdu.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import rdu.safetensors.SafeTensorsFile;

/**
 * Property: whatever bytes a model directory's model.safetensors or config.json holds, opening it gives a model or
 * one line ({@link OneLineError}), and takes at most {@link #HEAP_BOUND} of heap: the weights are mapped, never
 * copied, and no size a file claims is allocated before the file is seen to hold it. Each case is an edit of
 * stories260K-hf's file or noise ({@link AnyBytes}), from a fixed seed.
 */
class CheckpointPropertyTest {

    private static final long SEED = 8;
    private static final int CASES = 300;
    /**
     * The most measured is 6 MiB (a header grown to the whole 1 MiB file, parsed); claims of 32 to 100 MiB, or a copy
     * of the weights, would take more.
     */
    private static final long HEAP_BOUND = 16L << 20;

    @TempDir
    Path model;

    @BeforeEach
    void copyTheModel() throws IOException {
        for (String name : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
            Files.copy(SharedFiles.model("stories260K-hf/" + name), model.resolve(name));
        }
        try (Checkpoint warm = Checkpoint.open(model)) { // class loading and the tokenizer library are not the parser's
            assertEquals(512, warm.tokenizer().vocabSize());
        }
    }

    @Test
    @Timeout(120)
    void anyBytesAsTheWeightsFileGiveAModelOrOneLine() throws IOException {
        byte[] file = Files.readAllBytes(model.resolve("model.safetensors"));
        int headerEnd = 8 + (int) ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] header = Arrays.copyOfRange(file, 8, headerEnd);
        byte[] data = Arrays.copyOfRange(file, headerEnd, file.length);
        List<byte[]> cases = AnyBytes.from(SEED, CASES, List.of(header));
        for (int i = 0; i < cases.size(); i++) {
            // an edited header, its length before it (wrong lengths are aHeaderLengthClaimIsNotAllocated's), the real data
            byte[] length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(cases.get(i).length).array();
            checkOpening("model.safetensors", concat(concat(length, cases.get(i)), data), i);
        }
    }

    @Test
    @Timeout(120)
    void anyBytesAsConfigJsonGiveAModelOrOneLine() throws IOException {
        List<byte[]> cases = AnyBytes.from(SEED, CASES, List.of(Files.readAllBytes(model.resolve("config.json"))));
        for (int i = 0; i < cases.size(); i++) {
            checkOpening("config.json", cases.get(i), i);
        }
    }

    /** Claims of 32 MiB up to past the 100 MiB limit, in files of at most 4 KiB: refused without allocating them. */
    @Test
    @Timeout(60)
    void aHeaderLengthClaimIsNotAllocated() {
        Random random = new Random(SEED);
        for (int i = 0; i < CASES; i++) {
            long claim = i % 3 == 0 ? SafeTensorsFile.MAX_HEADER_BYTES - random.nextInt(1 << 20)
                    : i % 3 == 1 ? (32L << 20) + random.nextLong(SafeTensorsFile.MAX_HEADER_BYTES)
                    : random.nextLong();
            byte[] rest = new byte[random.nextInt(4097)];
            random.nextBytes(rest);
            byte[] bytes = concat(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(claim).array(), rest);
            checkOpening("model.safetensors", bytes, i);
        }
    }

    private void checkOpening(String name, byte[] bytes, int index) {
        try {
            Files.write(model.resolve(name), bytes);
        } catch (IOException e) {
            fail(e);
        }
        String what = name + " of case " + index + " (seed " + SEED + ")";
        long allocated = AnyBytes.allocatedDuring(() -> OneLineError.assertReturnsOrRefuses(CheckpointException.class, bytes, () -> {
            try (Checkpoint checkpoint = Checkpoint.open(model)) {
                assertEquals(checkpoint.config().vocabSize(), checkpoint.tokenizer().vocabSize(), what);
            }
        }));
        assertTrue(allocated <= HEAP_BOUND, () -> what + " took " + allocated + " bytes of heap");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
