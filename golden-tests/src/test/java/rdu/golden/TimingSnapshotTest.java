package rdu.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import rdu.regression.Difference;
import rdu.regression.GoldenChecker;

/**
 * Greedy tokens and modeled per-step times of two models under three schedule setups still match the snapshot
 * {@code timing-snapshot.jsonl}, checked the way {@code rdu golden check} does. The modeled times are snapshots, not
 * references: a change to the timing model or the chip description changes them on purpose, and then the snapshot is
 * re-recorded on purpose, from the repository root, with exactly (timing-snapshot-prompts.txt holds the three prompts,
 * the last one empty):
 * <pre>
 * R=golden-tests/src/test/resources/rdu/golden
 * scripts/rdu golden record --model-root ../shared --model models/stories260K-hf \
 *     --prompts $R/timing-snapshot-prompts.txt --max-tokens 32 --out $R/timing-snapshot.jsonl
 * scripts/rdu golden record --model-root ../shared --model models/stories260K-hf \
 *     --prompts $R/timing-snapshot-prompts.txt --max-tokens 32 --out $R/timing-snapshot.jsonl --append \
 *     --no-kernel-looping --no-schedule-offloading
 * scripts/rdu golden record --model-root ../shared --model models/llama2xs-260K/model.bin \
 *     --prompts $R/timing-snapshot-prompts.txt --max-tokens 32 --out $R/timing-snapshot.jsonl --append --unfused
 * </pre>
 * A changed token, in contrast, is a functional regression: {@link GoldenGenerationTest} says whether run.c agrees.
 */
class TimingSnapshotTest {

    @Test
    void everyRecordReproduces() throws URISyntaxException {
        Path snapshot = Path.of(TimingSnapshotTest.class.getResource("timing-snapshot.jsonl").toURI());
        var records = rdu.regression.GoldenRecord.readAll(snapshot); // not this package's run.c GoldenRecord
        assertEquals(9, records.size(), "3 prompts x (2 setups of stories260K-hf + 1 of llama2xs-260K)");
        List<String> failures = new ArrayList<>();
        try (var checker = new GoldenChecker(SharedData.root(), 1e-9)) {
            for (int i = 0; i < records.size(); i++) {
                List<Difference> differences = checker.check(records.get(i));
                if (!differences.isEmpty()) {
                    failures.add("line " + (i + 1) + ": " + records.get(i).setup());
                    for (Difference d : differences) {
                        failures.add("    " + d.describe());
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), "golden-tests/src/test/resources/rdu/golden/timing-snapshot.jsonl differs"
                + " from a re-run (re-record it if the change is intended: see this test's Javadoc):\n"
                + String.join("\n", failures));
    }
}
