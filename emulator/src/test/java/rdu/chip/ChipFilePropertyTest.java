package rdu.chip;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import rdu.model.AnyBytes;
import rdu.model.OneLineError;

/**
 * Property: whatever bytes a chip file holds, loading it gives a chip or one line ({@link OneLineError}), within
 * {@link #HEAP_BOUND} of heap. Each case is an edit of a shipped chip file or noise ({@link AnyBytes}), from a fixed
 * seed.
 */
class ChipFilePropertyTest {

    private static final long SEED = 8;
    private static final int CASES = 500;
    /** A chip file is a few KiB of JSON; parsing it takes well under 1 MiB. */
    private static final long HEAP_BOUND = 4L << 20;

    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void anyBytesAsAChipFileGiveAChipOrOneLine() throws IOException {
        List<byte[]> shipped = new ArrayList<>();
        for (String name : ChipFile.SHIPPED) {
            try (InputStream in = ChipFile.class.getResourceAsStream(name + ".json")) {
                shipped.add(in.readAllBytes());
            }
        }
        Path file = dir.resolve("chip.json");
        ChipFile.load(ChipFile.DEFAULT); // class loading is not the parser's
        List<byte[]> cases = AnyBytes.from(SEED, CASES, shipped);
        for (int i = 0; i < cases.size(); i++) {
            byte[] bytes = cases.get(i);
            Files.write(file, bytes);
            String what = "chip file of case " + i + " (seed " + SEED + ")";
            long allocated = AnyBytes.allocatedDuring(
                    () -> OneLineError.assertReturnsOrRefuses(ChipException.class, bytes, () -> ChipFile.load(file.toString())));
            assertTrue(allocated <= HEAP_BOUND, () -> what + " took " + allocated + " bytes of heap");
        }
    }
}
