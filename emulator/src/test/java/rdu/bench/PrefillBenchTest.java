package rdu.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import rdu.chip.ChipFile;
import rdu.model.Checkpoint;
import rdu.model.ModelConfig;
import rdu.runtime.GenerationException;
import rdu.regression.SharedModels;

/** The prefill benchmark measures both ways of feeding a prompt, and refuses a prompt longer than the context. */
class PrefillBenchTest {

    private static Path stories() {
        return SharedModels.root().resolve(SharedModels.STORIES);
    }

    @Test
    void measuresThePassAndTheStepsOfEveryRun() {
        PrefillBench b = PrefillBench.run(stories(), ChipFile.load(ChipFile.DEFAULT), 12, 1, 3);
        assertEquals(3, b.passPositionsPerSecond().length);
        assertEquals(3, b.stepPositionsPerSecond().length);
        for (int r = 0; r < 3; r++) {
            assertTrue(b.passPositionsPerSecond()[r] > 0 && b.stepPositionsPerSecond()[r] > 0, "run " + r);
        }
    }

    /**
     * The pass's FLOPs hold at least its products (every layer matrix for each position, the classifier for the last
     * one alone) and its attention (2 FLOPs per head dimension for the score and 2 for the weighted sum, per attended
     * position), computed here from the model's shape; the element-wise operators add a few percent at most. The
     * classifier counted for every position would add 13% over this model's 64 positions.
     */
    @Test
    void thePassFlopsAreItsProductsAndAttentionWithTheClassifierOnce() {
        int n = 64;
        ModelConfig c;
        try (Checkpoint checkpoint = Checkpoint.open(stories())) {
            c = checkpoint.config();
        }
        long dim = c.hiddenSize();
        long qDim = (long) c.numHeads() * c.headDim();
        long kvDim = (long) c.numKvHeads() * c.headDim();
        long layerWeights = dim * qDim + 2 * dim * kvDim + qDim * dim + 3 * dim * c.intermediateSize();
        long attended = (long) n * (n + 1) / 2;
        double products = c.numLayers() * 2.0 * layerWeights * n + 2.0 * c.vocabSize() * dim;
        double attention = c.numLayers() * 4.0 * qDim * attended;
        double counted = PrefillBench.run(stories(), ChipFile.load(ChipFile.DEFAULT), n, 0, 1).passFlops();
        assertTrue(counted >= products + attention && counted <= 1.05 * (products + attention),
                counted + " FLOPs counted, expected " + (products + attention) + " to 5% more");
    }

    @Test
    void positionsBeyondTheContextAreRefused() {
        var e = assertThrows(GenerationException.class,
                () -> PrefillBench.run(stories(), ChipFile.load(ChipFile.DEFAULT), 513, 0, 1));
        assertEquals("513 positions asked for, but the model's context (max_position_embeddings) is 512 positions",
                e.getMessage());
    }
}
