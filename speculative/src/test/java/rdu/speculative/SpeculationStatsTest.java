package rdu.speculative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpeculationStatsTest {

    @TempDir
    Path dir;

    @Test
    void theMeasuredProfileIsAcceptedOverReachedPerPosition() {
        SpeculationStats stats = new SpeculationStats(3);
        stats.record(3, 1, 2); // position 0 accepted, 1 rejected, 2 never verified
        stats.record(3, 3, 4); // all accepted
        stats.record(3, 0, 1); // position 0 rejected

        assertEquals(List.of(3, 2, 1), List.of(stats.reachedAt(0), stats.reachedAt(1), stats.reachedAt(2)));
        assertEquals(List.of(2.0 / 3, 1.0 / 2, 1.0 / 1), stats.measuredProfile().rates());
    }

    @Test
    void aDraftCutShortReachesOnlyThePositionsItProposed() {
        SpeculationStats stats = new SpeculationStats(4);
        stats.record(4, 4, 5);
        stats.record(2, 2, 3); // cut at the end of the request: positions 2 and 3 were not reached
        stats.record(4, 1, 2); // position 1 rejected: 2 and 3 not reached

        assertEquals(List.of(3, 3, 1, 1), List.of(stats.reachedAt(0), stats.reachedAt(1), stats.reachedAt(2),
                stats.reachedAt(3)));
        assertEquals(List.of(3, 3, 2, 2), List.of(stats.proposedAt(0), stats.proposedAt(1), stats.proposedAt(2),
                stats.proposedAt(3)));
        assertEquals(List.of(1.0, 2.0 / 3, 1.0, 1.0), stats.measuredProfile().rates());
    }

    @Test
    void aPositionNoStepReachedMeasuresZero() {
        SpeculationStats stats = new SpeculationStats(3);
        stats.record(3, 0, 1);
        stats.record(3, 0, 1);

        assertEquals(List.of(0.0, 0.0, 0.0), stats.measuredProfile().rates());
        assertEquals(1.0, stats.measuredProfile().expectedCommitted(3), 0);
    }

    @Test
    void withFullDraftsTheProfilesEEqualsTheMeasuredTokensPerStep() {
        Random random = new Random(99);
        for (int trial = 0; trial < 200; trial++) {
            int k = 1 + random.nextInt(10);
            SpeculationStats stats = new SpeculationStats(k);
            double keep = random.nextDouble();
            int steps = 1 + random.nextInt(500);
            for (int s = 0; s < steps; s++) {
                int accepted = 0;
                while (accepted < k && random.nextDouble() < keep) {
                    accepted++;
                }
                stats.record(k, accepted, accepted + 1);
            }
            assertEquals(stats.committedPerStep(), stats.measuredProfile().expectedCommitted(k), 1e-12,
                    "k " + k + ", " + steps + " steps");
        }
    }

    @Test
    void withoutAnyDraftTokenThereIsNothingToMeasure() {
        SpeculationStats stats = new SpeculationStats(4);
        stats.record(0, 0, 1); // a drafter that found nothing
        assertThrows(IllegalStateException.class, stats::measuredProfile);
    }

    @Test
    void aProfileMeasuredOnARequestReadsBackFromItsFile() throws IOException {
        TableModel target = new TableModel(7, 64, 11, 2.0);
        var drafter = new DraftModelDrafter(target.perturbed(5, 0.7), 0, new SplittableRandom(1));
        SpeculativeStep step = new SpeculativeStep(target, drafter, new GreedyVerifier(), 4, 64);
        SpeculativeStepTest.decode(step, new int[] {1, 4, 1, 5}, 64);
        SpeculationStats stats = step.stats();
        AcceptanceProfile measured = stats.measuredProfile();
        // a profile that says something: some positions accepted, some rejected
        assertTrue(measured.rates().stream().anyMatch(r -> r > 0 && r < 1), measured.toString());

        Path file = dir.resolve("pair.txt");
        stats.writeProfile(file, "draft: perturbed table, target: table seed 11\nk 4, prompt 1 4 1 5");

        assertEquals(measured.rates(), AcceptanceProfile.read(file).rates());
        String text = Files.readString(file);
        assertTrue(text.startsWith("# draft: perturbed table, target: table seed 11\n# k 4, prompt 1 4 1 5\n"
                + "# measured over " + stats.steps() + " steps: " + stats.proposed() + " draft tokens proposed, "
                + stats.accepted() + " accepted, " + stats.committed() + " tokens committed"), text);
        assertTrue(text.contains("# position 1: accepted in " + stats.acceptedAt(0) + " of the " + stats.reachedAt(0)
                + " steps that reached it\n"), text);
        assertEquals(4, Arrays.stream(text.split("\n")).filter(line -> !line.startsWith("#")).count(), text);
    }
}
