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

/** Functional results do not depend on how the emulator is configured or which file format held the weights. */
class InvariantsTest {

    static final List<String> PROMPTS = List.of("The cat sat", "Tom and his mom went to the store.", "Why is the sky");

    static Generation run(String checkpointPath, String prompt, Schedule.Fusion fusion, Sampler sampler) {
        try (Checkpoint checkpoint = Checkpoint.open(SharedData.require(checkpointPath))) {
            var generator = new Generator(checkpoint, ChipFile.load(ChipFile.DEFAULT), fusion);
            return generator.generate(prompt, 200, sampler, (index, token, logits, text) -> { });
        }
    }

    @Test
    void llama2cAndHuggingFaceFormatsGiveIdenticalTokensBeyondTheGoldenPrompts() {
        for (String prompt : PROMPTS) {
            for (String[] pair : List.of(
                    new String[] {"models/stories260K/stories260K.bin", "models/stories260K-hf"},
                    new String[] {"models/llama2xs-260K/model.bin", "models/llama2xs-260K-hf"})) {
                Generation bin = run(pair[0], prompt, Schedule.Fusion.LAYER, greedy());
                Generation hf = run(pair[1], prompt, Schedule.Fusion.LAYER, greedy());
                assertArrayEquals(bin.promptIds(), hf.promptIds(), "prompt ids of '" + prompt + "'");
                assertArrayEquals(bin.generatedIds(), hf.generatedIds(), pair[0] + " vs " + pair[1] + ": " + prompt);
                assertArrayEquals(bin.text(), hf.text(), "text of '" + prompt + "'");
            }
        }
    }

    @Test
    void fusedAndUnfusedSchedulesGiveIdenticalTokens() {
        for (String prompt : PROMPTS) {
            Generation fused = run("models/stories260K-hf", prompt, Schedule.Fusion.LAYER, greedy());
            Generation unfused = run("models/stories260K-hf", prompt, Schedule.Fusion.NONE, greedy());
            assertArrayEquals(fused.generatedIds(), unfused.generatedIds(), prompt);
        }
    }

    @Test
    void seededSamplingIsReproducibleAndSeedDependent() {
        Generation a = run("models/stories260K-hf", "Once upon a time", Schedule.Fusion.LAYER,
                new Sampler(0.9f, 40, 0.9f, 7));
        Generation b = run("models/stories260K-hf", "Once upon a time", Schedule.Fusion.LAYER,
                new Sampler(0.9f, 40, 0.9f, 7));
        Generation c = run("models/stories260K-hf", "Once upon a time", Schedule.Fusion.LAYER,
                new Sampler(0.9f, 40, 0.9f, 8));
        assertArrayEquals(a.generatedIds(), b.generatedIds(), "same seed, same tokens");
        assertEquals(false, java.util.Arrays.equals(a.generatedIds(), c.generatedIds()), "another seed, other tokens");
    }

    private static Sampler greedy() {
        return new Sampler(0, 0, 1, 1);
    }
}
