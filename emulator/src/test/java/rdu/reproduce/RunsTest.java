package rdu.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.chip.Chip;
import rdu.chip.ChipFile;

/** The speculative runs the report's rows are made of. */
class RunsTest {

    static final Chip SN40L = ChipFile.load("sn40l");
    static final Chip GPU = ChipFile.load("dgx-h100");

    @Test
    void aSpeculativeWindowIsItsFirstStepsEachDraftingK() {
        int steps = 20;
        int k = 9;
        Pair pair = Reproduction.LLAMA_70B_1B;
        Runs.Speculative s = new Runs().speculative(pair, k, SN40L, 16, Reproduction.ALL, 4096, steps);
        // the first n steps of a timing-only run commit floor(n E) tokens: the window holds exactly those steps
        assertEquals(Math.floor(steps * pair.acceptance().expectedCommitted(k)) / steps, s.tokensPerStep(), 1e-12);
        // every step of the window drafted k tokens: k draft passes of the mean time make the draft's share
        assertEquals(s.draftShare(), k * s.draftPassNs() / s.stepNs(), 1e-9);
        assertTrue(s.stepNs() >= k * s.draftPassNs() + s.verifyPassNs(), "a step is its passes and the host's turns");
        assertTrue(s.verifyPassNs() > s.draftPassNs(), "the 70B's pass against the 1B's");
    }

    /** Row 22 comes from the capacity check: more HBM per GPU must make the same pair fit the DGX H100. */
    @Test
    void whetherAPairFitsFollowsTheChipsMemory(@TempDir Path dir) throws Exception {
        Pair pair = Reproduction.LLAMA_405B_8B;
        var runs = new Runs();
        assertFalse(runs.fits(pair, 9, GPU, 8, Reproduction.GPU, 8192, 2), "405B + 8B in 8 x 80 GB");
        assertTrue(runs.fits(pair, 9, SN40L, 16, Reproduction.ALL, 8192, 2), "405B + 8B in 16 x 64 GB");

        String shipped = new String(ChipFile.class.getResourceAsStream("dgx-h100.json").readAllBytes(),
                StandardCharsets.UTF_8);
        String bigger = shipped.replaceFirst("(\"hbm_capacity\":\\s*\\{ \"value\": )80,", "$1160,");
        assertNotEquals(shipped, bigger, "the copy changes hbm_capacity");
        Path file = Files.writeString(dir.resolve("dgx-h100-160gb.json"), bigger);
        assertTrue(runs.fits(pair, 9, ChipFile.load(file.toString()), 8, Reproduction.GPU, 8192, 2),
                "405B + 8B in 8 x 160 GB");
    }
}
