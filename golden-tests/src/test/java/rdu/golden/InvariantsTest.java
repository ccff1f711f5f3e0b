package rdu.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import rdu.chip.ChipFile;
import rdu.generate.Generation;
import rdu.generate.Generator;
import rdu.model.Checkpoint;
import rdu.sampling.Sampler;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;

/** Functional results do not depend on how the emulator is configured or which file format held the weights. */
class InvariantsTest {

    static final List<String> PROMPTS = List.of("The cat sat", "Tom and his mom went to the store.", "Why is the sky");

    static Generation run(String checkpointPath, String prompt, ScheduleOptions options, Sampler sampler) {
        try (Checkpoint checkpoint = Checkpoint.open(SharedData.require(checkpointPath))) {
            var generator = new Generator(checkpoint, Generator.Setup.of(ChipFile.load(ChipFile.DEFAULT), options));
            return generator.generate(prompt, 200, sampler, (index, token, logits, text) -> { });
        }
    }

    @Test
    void llama2cAndHuggingFaceFormatsGiveIdenticalTokensBeyondTheGoldenPrompts() {
        for (String prompt : PROMPTS) {
            for (String[] pair : List.of(
                    new String[] {"models/stories260K/stories260K.bin", "models/stories260K-hf"},
                    new String[] {"models/llama2xs-260K/model.bin", "models/llama2xs-260K-hf"})) {
                Generation bin = run(pair[0], prompt, ScheduleOptions.defaults(), greedy());
                Generation hf = run(pair[1], prompt, ScheduleOptions.defaults(), greedy());
                assertArrayEquals(bin.promptIds(), hf.promptIds(), "prompt ids of '" + prompt + "'");
                assertArrayEquals(bin.generatedIds(), hf.generatedIds(), pair[0] + " vs " + pair[1] + ": " + prompt);
                assertArrayEquals(bin.text(), hf.text(), "text of '" + prompt + "'");
            }
        }
    }

    @Test
    void fusedAndUnfusedSchedulesGiveIdenticalTokens() {
        for (String prompt : PROMPTS) {
            Generation fused = run("models/stories260K-hf", prompt, ScheduleOptions.defaults(), greedy());
            Generation unfused = run("models/stories260K-hf", prompt, ScheduleOptions.defaults().withFusion(Schedule.Fusion.NONE), greedy());
            assertArrayEquals(fused.generatedIds(), unfused.generatedIds(), prompt);
        }
    }

    @Test
    void everyCombinationOfTheOptimizationSwitchesGivesTheGoldenTokens() {
        List<GoldenRecord> records = GoldenRecord.readAll(SharedData.require("golden/stories260K.jsonl")).stream()
                .filter(r -> r.steps() == 64).toList();
        try (Checkpoint checkpoint = Checkpoint.open(SharedData.require("models/stories260K-hf"))) {
            for (Schedule.Fusion fusion : Schedule.Fusion.values()) {
                for (int switches = 0; switches < 8; switches++) {
                    ScheduleOptions options = ScheduleOptions.defaults().withFusion(fusion)
                            .withKernelLooping((switches & 1) != 0).withBatchStreaming((switches & 2) != 0)
                            .withOffloadSteps((switches & 4) != 0 ? ScheduleOptions.DEFAULT_OFFLOAD_STEPS : 1);
                    var generator = new Generator(checkpoint, Generator.Setup.of(ChipFile.load(ChipFile.DEFAULT), options));
                    for (GoldenRecord record : records) {
                        Generation g = generator.generate(record.promptIds(), record.maxNewTokens(), greedy(),
                                (index, token, logits, text) -> { });
                        assertArrayEquals(record.generatedIds(), g.generatedIds(), options + " " + record);
                    }
                }
            }
        }
    }

    @Test
    void tensorParallelGenerationGivesTheGoldenTokensOnTwoFourAndEightSockets() {
        // 8 query heads over 8 sockets: one each; 4 KV heads: replicated, each socket keeps the one its query reads
        for (String[] model : GoldenGenerationTest.MODELS) {
            List<GoldenRecord> records = GoldenRecord.readAll(SharedData.require("golden/" + model[0] + ".jsonl"))
                    .stream().filter(r -> r.steps() == 64).toList();
            for (String checkpointPath : List.of(model[1], model[2])) {
                try (Checkpoint checkpoint = Checkpoint.open(SharedData.require(checkpointPath))) {
                    for (int sockets : new int[] {2, 4, 8}) {
                        var generator = new Generator(checkpoint, Generator.Setup.of(ChipFile.load(ChipFile.DEFAULT),
                                ScheduleOptions.defaults()).withSockets(sockets));
                        for (GoldenRecord record : records) {
                            Generation g = generator.generate(record.promptIds(), record.maxNewTokens(), greedy(),
                                    (index, token, logits, text) -> { });
                            assertArrayEquals(record.generatedIds(), g.generatedIds(),
                                    checkpointPath + " on " + sockets + " sockets: " + record);
                        }
                    }
                }
            }
        }
    }

    @Test
    void seededSamplingIsReproducibleAndSeedDependent() {
        Generation a = run("models/stories260K-hf", "Once upon a time", ScheduleOptions.defaults(),
                new Sampler(0.9f, 40, 0.9f, 7));
        Generation b = run("models/stories260K-hf", "Once upon a time", ScheduleOptions.defaults(),
                new Sampler(0.9f, 40, 0.9f, 7));
        Generation c = run("models/stories260K-hf", "Once upon a time", ScheduleOptions.defaults(),
                new Sampler(0.9f, 40, 0.9f, 8));
        assertArrayEquals(a.generatedIds(), b.generatedIds(), "same seed, same tokens");
        assertEquals(false, java.util.Arrays.equals(a.generatedIds(), c.generatedIds()), "another seed, other tokens");
    }

    private static Sampler greedy() {
        return new Sampler(0, 0, 1, 1);
    }
}
