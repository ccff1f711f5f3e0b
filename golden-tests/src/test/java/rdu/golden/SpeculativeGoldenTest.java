package rdu.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import rdu.chip.ChipFile;
import rdu.generate.Generation;
import rdu.generate.Generator;
import rdu.generate.Speculation;
import rdu.generate.TokenListener;
import rdu.model.Checkpoint;
import rdu.runtime.StepRecord;
import rdu.sampling.Sampler;
import rdu.schedule.ScheduleOptions;

/**
 * Many tokens per pass change only the modeled time: for every golden record of both models, a prompt prefilled in
 * passes of any width, and greedy speculation by every drafting method (a draft model, prompt lookup, layer skipping)
 * at k = 1, 4 and 8 on 1 and 2 sockets, give run.c's tokens, and every committed token's logits (rows of a verify
 * pass over several positions) are run.c's within 1e-4.
 */
class SpeculativeGoldenTest {

    /** Each golden model's Hugging Face checkpoint and the other model, which shares its 512-token vocabulary. */
    static final List<String[]> PAIRS = List.of(
            new String[] {"llama2xs-260K", "models/llama2xs-260K-hf", "models/stories260K-hf"},
            new String[] {"stories260K", "models/stories260K-hf", "models/llama2xs-260K-hf"});

    static final String[] METHODS = {"draft", "ngram:1", "ngram:3", "layerskip:1", "layerskip:3"};

    @TestFactory
    Stream<DynamicTest> greedySpeculationGivesRunCsTokensForEveryRecordMethodKAndSocketCount() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String[] pair : PAIRS) {
            List<GoldenRecord> records = GoldenRecord.readAll(SharedData.require("golden/" + pair[0] + ".jsonl"));
            for (String method : METHODS) {
                for (int k : new int[] {1, 4, 8}) {
                    for (int sockets : new int[] {1, 2}) {
                        tests.add(DynamicTest.dynamicTest(pair[1] + " " + method + " k " + k + " x" + sockets,
                                () -> checkAll(pair, records, method, k, sockets)));
                    }
                }
            }
        }
        return tests.stream();
    }

    private static void checkAll(String[] pair, List<GoldenRecord> records, String method, int k, int sockets) {
        try (Checkpoint target = Checkpoint.open(SharedData.require(pair[1]));
             Checkpoint draft = Checkpoint.open(SharedData.require(pair[2]))) {
            Speculation speculation = switch (method) {
                case "draft" -> Speculation.draftModel(draft, k);
                case "ngram:1" -> Speculation.ngram(1, k);
                case "ngram:3" -> Speculation.ngram(3, k);
                case "layerskip:1" -> Speculation.layerSkip(1, k);
                case "layerskip:3" -> Speculation.layerSkip(3, k);
                default -> throw new IllegalArgumentException(method);
            };
            var generator = new Generator(target, Generator.Setup.of(ChipFile.load(ChipFile.DEFAULT),
                    ScheduleOptions.defaults()).withSockets(sockets).withSpeculation(speculation));
            int multiTokenSteps = 0;
            for (GoldenRecord record : records) {
                List<float[]> logits = new ArrayList<>();
                Generation g = generator.generate(record.promptIds(), record.maxNewTokens(), new Sampler(0, 0, 1, 1),
                        recordLogits(logits));
                assertArrayEquals(record.generatedIds(), g.generatedIds(), record + ": generated ids");
                GoldenGenerationTest.assertTop5(record, logits);
                multiTokenSteps += g.speculation().committed() > g.speculation().steps() ? 1 : 0;
            }
            if (method.equals("draft") || method.startsWith("layerskip")) {
                assertTrue(multiTokenSteps > 0, "some request committed several tokens in a step");
            }
        }
    }

    @Test
    void aPromptPrefilledInPassesOfAnyWidthGivesRunCsTokensAndLogits() {
        for (String[] pair : PAIRS) {
            List<GoldenRecord> records = GoldenRecord.readAll(SharedData.require("golden/" + pair[0] + ".jsonl"));
            try (Checkpoint target = Checkpoint.open(SharedData.require(pair[1]))) {
                for (int chunk : new int[] {1, 2, 3, 512}) {
                    var generator = new Generator(target, Generator.Setup.of(ChipFile.load(ChipFile.DEFAULT),
                            ScheduleOptions.defaults()).withPrefillChunk(chunk));
                    for (GoldenRecord record : records) {
                        List<float[]> logits = new ArrayList<>();
                        List<StepRecord> steps = new ArrayList<>();
                        TokenListener listener = recordLogits(logits, steps);
                        Generation g = generator.generate(record.promptIds(), record.maxNewTokens(),
                                new Sampler(0, 0, 1, 1), listener);
                        assertArrayEquals(record.generatedIds(), g.generatedIds(), record + ", chunk " + chunk);
                        GoldenGenerationTest.assertTop5(record, logits);
                        // the prompt is the first step, in passes of at most the chunk; then one step per token
                        int passes = (record.promptIds().length + chunk - 1) / chunk;
                        assertEquals(passes, steps.getFirst().step().passes().size(), record + ", chunk " + chunk);
                        assertEquals(logits.size(), steps.size(), record + ": one step per committed token");
                    }
                }
            }
        }
    }

    private static TokenListener recordLogits(List<float[]> logits) {
        return recordLogits(logits, new ArrayList<>());
    }

    private static TokenListener recordLogits(List<float[]> logits, List<StepRecord> steps) {
        return new TokenListener() {
            @Override
            public void onStep(StepRecord step) {
                steps.add(step);
            }

            @Override
            public void onToken(int index, int token, float[] row, byte[] text) {
                logits.add(row.clone());
            }

            @Override
            public void onStopToken(int token, float[] row) {
                logits.add(row.clone());
            }
        };
    }
}
