package rdu.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import rdu.chip.ChipFile;
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

    @Test
    void positionsBeyondTheContextAreRefused() {
        var e = assertThrows(GenerationException.class,
                () -> PrefillBench.run(stories(), ChipFile.load(ChipFile.DEFAULT), 513, 0, 1));
        assertEquals("513 positions asked for, but the model's context (max_position_embeddings) is 512 positions",
                e.getMessage());
    }
}
