package rdu.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import rdu.rope.RopeLayout;
import rdu.safetensors.SafeTensorsFile;
import rdu.safetensors.SafeTensorsWriter;
import rdu.tensor.Tensor;

class CheckpointTest {

    @TempDir
    Path dir;

    static final int[] ONCE_UPON_A_TIME = {1, 403, 407, 261, 378};

    @Test
    void huggingFaceDirectory() {
        Path source = SharedFiles.model("stories260K-hf");
        Checkpoint c = Checkpoint.open(source);
        try (c) {
            assertEquals(source, c.source());
            assertEquals(HfConfig.read(source.resolve("config.json")), c.config());
            ModelWeights w = c.weights();
            assertEquals(RopeLayout.HALF, w.ropeLayout());
            assertEquals(5, w.layers().size());
            assertSame(w.embedding(), w.classifier().weight(), "tied");
            assertEquals("model.layers.3.mlp.down_proj.weight", w.layers().get(3).mlp().down().weight().name());
            assertArrayEquals(new long[] {32, 64}, w.layers().get(0).k().weight().shape());
            assertEquals(1 + 5 * 9 + 1, w.all().size());
            assertArrayEquals(ONCE_UPON_A_TIME, c.tokenizer().encode("Once upon a time"));
        }
        assertFalse(c.arena().scope().isAlive(), "closing unmaps the weights");
    }

    @Test
    void singleSafetensorsFileWithConfigAndTokenizerBeside() {
        try (Checkpoint c = Checkpoint.open(SharedFiles.model("llama2xs-260K-hf/model.safetensors"))) {
            assertEquals(192, c.config().intermediateSize());
            assertArrayEquals(new long[] {192, 64}, c.weights().layers().get(4).mlp().gate().weight().shape());
        }
    }

    @Test
    void llama2cFileWithItsTokenizerBeside() {
        try (Checkpoint c = Checkpoint.open(SharedFiles.model("stories260K/stories260K.bin"))) {
            assertEquals("llama2.c", c.config().architecture());
            assertEquals(RopeLayout.INTERLEAVED, c.weights().ropeLayout());
            assertArrayEquals(ONCE_UPON_A_TIME, c.tokenizer().encode("Once upon a time"));
        }
        try (Checkpoint c = Checkpoint.open(SharedFiles.model("llama2xs-260K/model.bin"))) {
            assertEquals(256, c.config().maxPositions());
        }
    }

    @Test
    void unknownPathsSayWhatPathMayBe() throws IOException {
        assertError(dir.resolve("nothing-here"), "no such file or directory; PATH may be a Hugging Face model directory");
        assertError(dir, "a directory without config.json; PATH may be");
        assertError(Files.writeString(dir.resolve("notes.txt"), "hi"), "not a checkpoint; PATH may be");
    }

    /** A model without a tokenizer runs on token ids; a text prompt is an error naming the missing file. */
    @Test
    void huggingFaceDirectoryWithoutTokenizerOpensButCannotEncodeText() throws IOException {
        Path hf = copyOfStories();
        Files.delete(hf.resolve("tokenizer.json"));
        try (Checkpoint c = Checkpoint.open(hf)) {
            assertEquals(512, c.tokenizer().vocabSize());
            assertArrayEquals(new byte[0], c.tokenizer().decode(new int[] {1}, new int[] {403, 407}));
            CheckpointException e = assertThrows(CheckpointException.class, () -> c.tokenizer().encode("Once"));
            assertEquals(hf.resolve("tokenizer.json"), e.file());
            assertTrue(e.getMessage().contains("file not found, so the prompt cannot be text: give it as token ids"),
                    e.getMessage());
        }
    }

    @Test
    void missingTensorIsNamedWithTheArchitecture() throws IOException {
        Path hf = rewriteWeights(tensors -> tensors.stream()
                .filter(t -> !t.name().equals("model.layers.2.mlp.up_proj.weight")).toList());
        assertError(hf, "missing tensor \"model.layers.2.mlp.up_proj.weight\" (required by LlamaForCausalLM)");
    }

    @Test
    void shapeDisagreeingWithConfigNamesTheConfigFields() throws IOException {
        Path hf = copyOfStories();
        editConfig(hf, "\"num_key_value_heads\": 4", "\"num_key_value_heads\": 2");
        assertError(hf, "tensor \"model.layers.0.self_attn.k_proj.weight\" shape: expected [16, 64] "
                + "([num_key_value_heads*head_dim, hidden_size] from config.json), found [32, 64]");
    }

    @Test
    void untiedCheckpointNeedsLmHead() throws IOException {
        Path hf = copyOfStories();
        editConfig(hf, "\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false");
        assertError(hf, "missing tensor \"lm_head.weight\"");
    }

    @Test
    void untiedCheckpointUsesItsLmHeadAndTiedOneIgnoresIt() throws IOException {
        Path hf = rewriteWeights(tensors -> {
            List<Tensor> withHead = new ArrayList<>(tensors);
            withHead.add(tensors.getFirst().reshape("lm_head.weight", 512, 64));
            return withHead;
        });
        try (Checkpoint c = Checkpoint.open(hf)) {
            assertSame(c.weights().embedding(), c.weights().classifier().weight());
        }
        editConfig(hf, "\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false");
        try (Checkpoint c = Checkpoint.open(hf)) {
            assertNotSame(c.weights().embedding(), c.weights().classifier().weight());
            assertEquals("lm_head.weight", c.weights().classifier().weight().name());
            assertEquals(-1, c.weights().embedding().data().mismatch(c.weights().classifier().weight().data()));
        }
    }

    @Test
    void tensorsBeyondTheConfigMeanConfigAndWeightsDisagree() throws IOException {
        Path hf = copyOfStories();
        editConfig(hf, "\"num_hidden_layers\": 5", "\"num_hidden_layers\": 4");
        assertError(hf, "tensors not used by LlamaForCausalLM with num_hidden_layers=4 (config.json): "
                + "[\"model.layers.4.input_layernorm.weight\"");
    }

    /** Names from the weights are quoted as JSON strings, so that a line break in one keeps the message one line. */
    @Test
    void unusedTensorNamesAreQuotedInOneLine() throws IOException {
        Path hf = rewriteWeights(tensors -> {
            List<Tensor> more = new ArrayList<>(tensors);
            Tensor norm = tensors.getLast();
            more.add(new Tensor("extra\nname", norm.dtype(), norm.shape(), norm.data()));
            return more;
        });
        assertError(hf, "(config.json): [\"extra\\nname\"]");
    }

    @Test
    void tokenizerOfAnotherVocabularyIsRejected() throws IOException {
        Path hf = copyOfStories();
        String tokenizer = Files.readString(hf.resolve("tokenizer.json"));
        Files.writeString(hf.resolve("tokenizer.json"), tokenizer.replace("\"<0xFF>\": 258", "\"<0xFF>\": 600"));
        assertError(hf, hf.resolve("tokenizer.json"), "vocabulary size: expected 512 (vocab_size of the model), found 601");
    }

    @Test
    void llama2cTokenizerMustBeUnambiguous() throws IOException {
        Path bin = Files.copy(SharedFiles.model("stories260K/stories260K.bin"), dir.resolve("stories260K.bin"));
        assertError(bin, dir, "llama2.c tokenizer: expected tokenizer.bin, or exactly one tok*.bin, beside stories260K.bin, "
                + "found none");
        Files.copy(SharedFiles.model("stories260K/tok512.bin"), dir.resolve("tok512.bin"));
        Files.copy(SharedFiles.model("stories260K/tok512.bin"), dir.resolve("tok512b.bin"));
        assertError(bin, dir, "found [tok512.bin, tok512b.bin]");
        Files.copy(SharedFiles.model("stories260K/tok512.bin"), dir.resolve("tokenizer.bin"));
        try (Checkpoint c = Checkpoint.open(bin)) {
            assertEquals(512, c.tokenizer().vocabSize());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"config.json", "generation_config.json", "tokenizer.json", "model.safetensors"})
    void namedPipeInPlaceOfAHuggingFaceFileIsRefusedInsteadOfBlocking(String name) throws Exception {
        Path hf = copyOfStories();
        assertNamedPipeRefused(hf, hf.resolve(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"model.safetensors.index.json", "model-00001-of-00001.safetensors"})
    void namedPipeInPlaceOfAnIndexOrShardIsRefusedInsteadOfBlocking(String name) throws Exception {
        Path hf = copyOfStories();
        Files.move(hf.resolve("model.safetensors"), hf.resolve("model-00001-of-00001.safetensors"));
        StringBuilder weightMap = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            Path shard = hf.resolve("model-00001-of-00001.safetensors");
            for (String tensor : SafeTensorsFile.open(shard, arena).tensors().keySet()) {
                weightMap.append(weightMap.isEmpty() ? "" : ", ").append('"').append(tensor)
                        .append("\": \"model-00001-of-00001.safetensors\"");
            }
        }
        Files.writeString(hf.resolve("model.safetensors.index.json"), "{\"weight_map\": {" + weightMap + "}}");
        try (Checkpoint c = Checkpoint.open(hf)) {
            assertEquals(5, c.weights().layers().size(), "the sharded copy opens");
        }
        assertNamedPipeRefused(hf, hf.resolve(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizer.bin", "tok512.bin"})
    void namedPipeInPlaceOfALlama2cTokenizerIsRefusedInsteadOfBlocking(String name) throws Exception {
        Path bin = Files.copy(SharedFiles.model("stories260K/stories260K.bin"), dir.resolve("stories260K.bin"));
        assertNamedPipeRefused(bin, dir.resolve(name));
    }

    @Test
    void directoryInPlaceOfTheWeightsIsNamed() throws IOException {
        Path hf = copyOfStories();
        Files.delete(hf.resolve("model.safetensors"));
        Path weights = Files.createDirectory(hf.resolve("model.safetensors"));
        assertError(hf, weights, weights + ": is a directory, expected a regular file");
    }

    /** With a named pipe in place of {@code file}, opening {@code opened} fails naming it, rather than hangs. */
    private static void assertNamedPipeRefused(Path opened, Path file) throws Exception {
        Files.deleteIfExists(file);
        CheckpointFilesTest.fifo(file);
        CheckpointException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(CheckpointException.class, () -> Checkpoint.open(opened)));
        assertEquals(file, e.file());
        assertEquals(file + ": is a named pipe, expected a regular file", e.getMessage());
    }

    /** A copy of stories260K-hf in the temp directory. */
    private Path copyOfStories() throws IOException {
        Path hf = Files.createDirectories(dir.resolve("hf"));
        for (String name : List.of("config.json", "generation_config.json", "model.safetensors", "tokenizer.json")) {
            Files.copy(SharedFiles.model("stories260K-hf/" + name), hf.resolve(name));
        }
        return hf;
    }

    /** A copy of stories260K-hf whose model.safetensors holds {@code change} applied to the original tensors. */
    private Path rewriteWeights(UnaryOperator<List<Tensor>> change) throws IOException {
        Path hf = copyOfStories();
        Path weights = hf.resolve("model.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            List<Tensor> tensors = List.copyOf(SafeTensorsFile.open(weights, arena).tensors().values());
            List<SafeTensorsWriter.Entry> entries = change.apply(tensors).stream()
                    .map(t -> new SafeTensorsWriter.Entry(t.name(), t.dtype(), t.shape(),
                            out -> out.write(t.data().toArray(ValueLayout.JAVA_BYTE))))
                    .toList();
            Path rewritten = hf.resolve("rewritten.tmp");
            SafeTensorsWriter.write(rewritten, Map.of("format", "pt"), entries);
            Files.move(rewritten, weights, StandardCopyOption.REPLACE_EXISTING);
        }
        return hf;
    }

    private static void assertError(Path opened, String fragment) {
        assertError(opened, opened, fragment);
    }

    /** Opening {@code opened} fails with an error about {@code file} containing {@code fragment}. */
    private static void assertError(Path opened, Path file, String fragment) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(opened));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains(fragment), () -> "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
    }

    /** Rewrites one setting of the copy's config.json. */
    private static void editConfig(Path hf, String from, String to) throws IOException {
        String config = Files.readString(hf.resolve("config.json"));
        Files.writeString(hf.resolve("config.json"), config.replace(from, to));
    }
}
