package rdu.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.chip.ChipFile;
import rdu.model.Checkpoint;
import rdu.runtime.GenerationException;
import rdu.runtime.StopReason;
import rdu.safetensors.SafeTensorsWriter;
import rdu.sampling.Sampler;
import rdu.schedule.ScheduleOptions;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

/** Generation's limits: what a request may ask for beyond the model, and what a broken checkpoint produces. */
class GeneratorTest {

    private static final Sampler GREEDY = new Sampler(0, 0, 1, 1);
    private static final TokenListener IGNORE = (index, token, logits, text) -> { };

    @TempDir
    Path dir;

    static Path stories() {
        String shared = System.getProperty("rdu.shared");
        Path model = Path.of(shared == null ? "../shared" : shared, "models/stories260K-hf");
        if (!Files.isDirectory(model)) {
            fail("missing " + model + ": these tests need ../shared beside the repository");
        }
        return model;
    }

    private static Generation generate(Path model, String prompt, int maxTokens) {
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            var generator = new Generator(checkpoint,
                    Generator.Setup.of(ChipFile.load(ChipFile.DEFAULT), ScheduleOptions.defaults()));
            return generator.generate(prompt, maxTokens, GREEDY, IGNORE);
        }
    }

    /** A chat template's end of turn: a stop token beside the model's eos ids, which the run does not emit. */
    @Test
    void aSetupsStopTokenEndsGenerationBeforeIt() {
        try (Checkpoint checkpoint = Checkpoint.open(stories())) {
            var setup = Generator.Setup.of(ChipFile.load(ChipFile.DEFAULT), ScheduleOptions.defaults());
            int[] plain = new Generator(checkpoint, setup).generate("Once upon a time", 12, GREEDY, IGNORE)
                    .generatedIds();
            int stop = plain[9];
            int first = 0;
            while (plain[first] != stop) {
                first++;
            }
            Generation g = new Generator(checkpoint, setup.withStopTokens(Set.of(stop)))
                    .generate("Once upon a time", 12, GREEDY, IGNORE);
            assertEquals(StopReason.STOP_TOKEN, g.stopReason());
            assertArrayEquals(Arrays.copyOf(plain, first), g.generatedIds());
        }
    }

    @Test
    void maxTokensBeyondTheContextIsBoundedByTheContextNotAllocated() {
        Generation g = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> generate(stories(), "Once upon a time", Integer.MAX_VALUE));
        assertNotEquals(StopReason.MAX_TOKENS, g.stopReason());
        assertTrue(g.promptIds().length + g.generatedIds().length <= 512 + 1, "stories260K's context is 512");
    }

    @Test
    void aContextOfTwoBillionPositionsCostsOnlyThePositionsTheRunReaches() throws IOException {
        Path huge = storiesWithTwoBillionPositions();
        Generation g = generate(huge, "Once upon a time", 8);
        assertArrayEquals(generate(stories(), "Once upon a time", 8).generatedIds(), g.generatedIds());
    }

    @Test
    void aCheckpointWhoseWeightsAreNaNIsRefusedAtItsFirstSampledStep() throws IOException {
        Path broken = copyOfStories(dir.resolve("nan"));
        writeNaNWeights(broken.resolve("model.safetensors"));

        var e = assertThrows(GenerationException.class, () -> generate(broken, "Once upon a time", 8));
        assertTrue(e.getMessage().contains("position 4") && e.getMessage().contains("non-finite logits")
                && e.getMessage().contains("NaN"), e.getMessage());
    }

    /** A copy of stories260K-hf whose config claims a context of 2^31 - 1 positions. */
    private Path storiesWithTwoBillionPositions() throws IOException {
        Path huge = copyOfStories(dir.resolve("huge-context"));
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(huge.resolve("config.json").toFile());
        config.put("max_position_embeddings", Integer.MAX_VALUE);
        new ObjectMapper().writeValue(huge.resolve("config.json").toFile(), config);
        return huge;
    }

    /** Every file of stories260K-hf, in {@code target}. */
    private static Path copyOfStories(Path target) throws IOException {
        Files.createDirectories(target);
        try (var files = Files.list(stories())) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        return target;
    }

    /** Rewrites a checkpoint's safetensors file with the same tensors, every value NaN. */
    private static void writeNaNWeights(Path file) throws IOException {
        List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
        try (Checkpoint original = Checkpoint.open(file.getParent())) {
            for (Tensor t : original.weights().all()) {
                if (t.dtype() != DType.F32) {
                    fail("expected F32 weights in stories260K-hf, found " + t.dtype());
                }
                long count = t.elementCount();
                entries.add(new SafeTensorsWriter.Entry(t.name(), t.dtype(), t.shape(), out -> {
                    byte[] nan = {0, 0, (byte) 0xc0, 0x7f}; // Float.NaN, little-endian
                    for (long i = 0; i < count; i++) {
                        out.write(nan);
                    }
                }));
            }
        }
        SafeTensorsWriter.write(file, Map.of("format", "pt"), entries);
    }

    private static Generator generator(Checkpoint checkpoint, Speculation speculation) {
        return new Generator(checkpoint, Generator.Setup.of(ChipFile.load(ChipFile.DEFAULT), ScheduleOptions.defaults())
                .withSpeculation(speculation));
    }

    @Test
    void aDraftWhoseVocabularyDiffersIsRefusedNamingTheFirstTokenThatDiffers() throws IOException {
        Path draft = copyOfStories(dir.resolve("swapped"));
        // same size, same merges' strings: only two ids trade places, which sizes alone cannot see
        var mapper = new ObjectMapper();
        var tokenizer = (ObjectNode) mapper.readTree(draft.resolve("tokenizer.json").toFile());
        var vocab = (ObjectNode) tokenizer.get("model").get("vocab");
        vocab.put("\u2581ha", 302);
        vocab.put("en", 300);
        mapper.writeValue(draft.resolve("tokenizer.json").toFile(), tokenizer);
        try (Checkpoint target = Checkpoint.open(stories()); Checkpoint d = Checkpoint.open(draft)) {
            var e = assertThrows(GenerationException.class, () -> generator(target, Speculation.draftModel(d, 4)));
            assertEquals("draft " + draft + " and target " + stories() + " have different vocabularies: token 300 is"
                    + " \"en\" in the draft's tokenizer and \"ha\" in the target's", e.getMessage());
        }
    }

    @Test
    void speculationsTheTargetCannotRunAreRefusedInOneLine() {
        try (Checkpoint target = Checkpoint.open(stories())) {
            assertEquals("layerskip:5: the draft runs the target's first L layers, L in 1..4 for this 5-layer model",
                    assertThrows(GenerationException.class,
                            () -> generator(target, Speculation.layerSkip(5, 4))).getMessage());
            assertEquals("layerskip:0: the draft runs the target's first L layers, L in 1..4 for this 5-layer model",
                    assertThrows(GenerationException.class,
                            () -> generator(target, Speculation.layerSkip(0, 4))).getMessage());
            assertEquals("--spec-k 512 is beyond the target's context of 512 positions",
                    assertThrows(GenerationException.class,
                            () -> generator(target, Speculation.ngram(2, 512))).getMessage());
            assertEquals("--spec-k must be at least 1, found 0",
                    assertThrows(GenerationException.class, () -> Speculation.ngram(2, 0)).getMessage());
            assertEquals("ngram:N needs N >= 1 (tokens to match), found 0",
                    assertThrows(GenerationException.class, () -> Speculation.ngram(0, 4)).getMessage());
            assertEquals("--prefill-chunk must be at least 1 position, found 0",
                    assertThrows(GenerationException.class, () -> new Generator(target,
                            Generator.Setup.of(ChipFile.load(ChipFile.DEFAULT), ScheduleOptions.defaults())
                                    .withPrefillChunk(0))).getMessage());
            var nucleus = new Sampler(0.8f, 0, 0.9f, 7);
            var speculative = generator(target, Speculation.ngram(2, 4));
            assertEquals("speculative sampling keeps the target's distribution at its temperature; it does not"
                    + " combine with --top-k or --top-p", assertThrows(GenerationException.class,
                    () -> speculative.generate("Once", 8, nucleus, IGNORE)).getMessage());
        }
    }

    @Test
    void sampledSpeculationRepeatsWithItsSeedAndMovesWithIt() {
        try (Checkpoint target = Checkpoint.open(stories())) {
            var speculative = generator(target, Speculation.layerSkip(2, 4));
            int[] a = speculative.generate("Once", 40, new Sampler(1.0f, 0, 1, 7), IGNORE).generatedIds();
            int[] b = speculative.generate("Once", 40, new Sampler(1.0f, 0, 1, 7), IGNORE).generatedIds();
            int[] c = speculative.generate("Once", 40, new Sampler(1.0f, 0, 1, 8), IGNORE).generatedIds();
            assertArrayEquals(a, b, "the same seed");
            assertFalse(java.util.Arrays.equals(a, c), "another seed");
        }
    }
}
