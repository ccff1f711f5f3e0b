package rdu.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.chip.ChipFile;
import rdu.generate.Generation;
import rdu.generate.Generator;
import rdu.model.Checkpoint;
import rdu.sampling.Sampler;
import rdu.schedule.ScheduleOptions;
import rdu.tensor.DType;

/** The benchmark checkpoint is a real BF16 safetensors model: it loads, and the functional path decodes it. */
class SyntheticCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void oneLayerCheckpointLoadsAndDecodesInBf16() throws Exception {
        Path tokenizer = Path.of(System.getProperty("rdu.shared"), "models/stories260K-hf/tokenizer.json");
        if (!Files.exists(tokenizer)) {
            fail("missing " + tokenizer + ": this test borrows the shared stories260K tokenizer");
        }
        int layers = SyntheticCheckpoint.write(dir, 1, 7, tokenizer, 512); // the smallest size: one layer
        assertEquals(1, layers);
        long expectedBytes = (SyntheticCheckpoint.layerParameters() + 512L * SyntheticCheckpoint.HIDDEN
                + SyntheticCheckpoint.HIDDEN) * DType.BF16.bytes();
        long fileBytes = Files.size(dir.resolve("model.safetensors"));
        assertTrue(fileBytes >= expectedBytes && fileBytes < expectedBytes + 64 * 1024, "weights + a small header");

        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(DType.BF16, checkpoint.weights().layers().getFirst().q().weight().dtype());
            var generator = new Generator(checkpoint,
                    Generator.Setup.of(ChipFile.load(ChipFile.DEFAULT), ScheduleOptions.defaults()));
            Generation g = generator.generate(new int[] {1}, 4, new Sampler(0, 0, 1, 1), (i, t, l, text) -> { });
            assertTrue(g.steps() >= 1, "decoded at least one step");
            for (int id : g.generatedIds()) {
                assertTrue(id >= 0 && id < 512, "token id inside the vocabulary: " + id);
            }
            assertEquals(generator.schedule().weightBytesPerStep(),
                    (SyntheticCheckpoint.layerParameters() + 2L * SyntheticCheckpoint.HIDDEN
                            + 512L * SyntheticCheckpoint.HIDDEN) * 2,
                    "per token: the layer, the final norm, one embedding row and the whole (tied) classifier");
        }
    }
}
