package rdu.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import rdu.model.CheckpointException;
import rdu.model.SharedFiles;

class HfTokenizerTest {

    @TempDir
    Path dir;

    @Test
    void longPromptsAreNotTruncated() {
        try (HfTokenizer t = HfTokenizer.open(SharedFiles.model("stories260K-hf/tokenizer.json"), 512)) {
            assertEquals(512, t.vocabSize());
            String text = "Once upon a time, there was a little girl named Lily. ".repeat(100);
            int[] ids = t.encode(text);
            assertTrue(ids.length > 1000, "DJL's default truncation to 512 tokens must be off: " + ids.length);
            assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), t.decode(new int[0], ids));
        }
    }

    /** A chat template writes its own BOS: encoding as is adds none, and still reads the special tokens written. */
    @Test
    void encodingAsIsAddsNoSpecialTokenButReadsTheWrittenOnes() {
        try (HfTokenizer t = HfTokenizer.open(SharedFiles.model("stories260K-hf/tokenizer.json"), 512)) {
            assertArrayEquals(new int[] {403, 407, 261, 378}, t.encodeAsIs("Once upon a time"));
            assertArrayEquals(new int[] {2}, t.encodeAsIs("</s>"));
            int[] written = t.encodeAsIs("<s>Once upon a time</s>");
            assertEquals(1, written[0], Arrays.toString(written));
            assertNotEquals(1, written[1], "one BOS, the one written: " + Arrays.toString(written));
            assertEquals(2, written[written.length - 1], Arrays.toString(written));
        }
    }

    @Test
    void contextEndingInsideACharacterGivesTheWholeCharacter() {
        try (HfTokenizer t = HfTokenizer.open(SharedFiles.model("stories260K-hf/tokenizer.json"), 512)) {
            int[] ids = t.encode("日"); // BOS, " ", <0xE6>, <0x97>, <0xA5>
            assertArrayEquals("日".getBytes(StandardCharsets.UTF_8), t.decode(Arrays.copyOf(ids, 4), new int[] {ids[4]}));
            assertThrows(IllegalArgumentException.class, () -> t.decode(new int[0], new int[] {512}));
        }
    }

    @Test
    void vocabularySizeMustMatchTheModel() {
        Path file = SharedFiles.model("stories260K-hf/tokenizer.json");
        assertError(file, 32000, "vocabulary size: expected 32000 (vocab_size of the model), found 512");
    }

    @Test
    void corruptFilesAreNamed() throws IOException {
        assertError(Files.writeString(dir.resolve("a.json"), "{\"model\": "), 512,
                "JSON: expected a JSON object, found invalid JSON");
        assertError(Files.writeString(dir.resolve("b.json"), "{\"version\": \"1.0\"}"), 512,
                "model.vocab: expected an object (piece -> id) or a list, found no such field");
        assertError(Files.writeString(dir.resolve("c.json"), """
                {"version": "1.0", "model": {"type": "NoSuchModel", "vocab": {"a": 0, "b": 1}}}"""), 2,
                "Hugging Face tokenizers cannot load it: ");
        assertError(dir.resolve("absent.json"), 512, "absent.json: file not found");
    }

    /**
     * Found by HfTokenizerFuzzTest: the Rust library reads a template naming a special token it does not define, then
     * aborts the whole JVM (exit 134, no message) on the first encode.
     */
    @Test
    void aPostProcessorTemplateMayNameOnlyTheSpecialTokensItDefines() throws IOException {
        assertEditRefused("(\"special_tokens\": \\{\\s*)\"<s>\":", "$1\"<0>\":",
                "post_processor.single: expected special tokens defined in post_processor.special_tokens, found \"<s>\"");
    }

    /**
     * Found by HfTokenizerFuzzTest: the Rust library bundled with DJL aborts the whole JVM when a Strip decoder that
     * strips from the end (stop > 0) meets an empty text, which decoding does on every call.
     */
    @Test
    void aStripDecoderMayNotStripFromTheEnd() throws IOException {
        assertEditRefused("(\"type\": \"Strip\",[^}]*\"stop\": )0", "$11",
                "decoder Strip stop: expected 0 (stripping from the end aborts the tokenizers library), found 1 (number)");
    }

    /** Found by HfTokenizerFuzzTest: the library's own complaint quoted a token with a line break in it. */
    @Test
    void theLibrarysComplaintIsQuotedInOneLine() throws IOException {
        assertEditRefused("\"merges\": \\[", "\"merges\": [[\"a\\\\nb\", \"c\"],",
                "Hugging Face tokenizers cannot load it: \"Token `a\\nb` out of vocabulary");
    }

    /** The shared tokenizer.json with the first match of {@code regex} replaced is refused with {@code fragment}. */
    private void assertEditRefused(String regex, String replacement, String fragment) throws IOException {
        assertError(tokenizerJson(shared -> shared.replaceFirst(regex, replacement)), 512, fragment);
    }

    @ParameterizedTest
    @ValueSource(longs = {512, 600, 4294967295L})
    void idOutsideTheModelVocabularyIsRefusedWhenEncoding(long bosId) throws IOException {
        // The post-processor's BOS id is not part of the vocabulary the file declares, so opening cannot catch it.
        Path file = tokenizerJson(shared -> shared.replaceFirst("\"ids\": \\[\\s*1\\s*]", "\"ids\": [" + bosId + "]"));
        try (HfTokenizer t = HfTokenizer.open(file, 512)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> t.encode("Once upon a time"));
            assertEquals(file, e.file());
            assertEquals(file + ": encoding \"Once upon a time\": expected token ids in [0, 512) (vocab_size of the model),"
                    + " found " + bosId + " at position 0", e.getMessage());
        }
    }

    @Test
    void textTheTokenizerWouldDropIsRefused() throws IOException {
        // Without byte fallback and unk token, the BPE of tokenizers skips what its vocabulary lacks, without an error.
        Path file = tokenizerJson(shared -> shared.replace("\"byte_fallback\": true", "\"byte_fallback\": false")
                .replace("\"unk_token\": \"<unk>\"", "\"unk_token\": null"));
        try (HfTokenizer t = HfTokenizer.open(file, 512);
             HfTokenizer shared = HfTokenizer.open(SharedFiles.model("stories260K-hf/tokenizer.json"), 512)) {
            assertArrayEquals(shared.encode("Once upon a time"), t.encode("Once upon a time"), "text it can encode");
            CheckpointException e = assertThrows(CheckpointException.class, () -> t.encode("Hi \uD83D\uDE00 there"));
            assertEquals(file, e.file());
            assertEquals(file + ": cannot encode \"Hi \uD83D\uDE00 there\": the tokenizer has no token for \"\uD83D\uDE00\""
                    + " (U+1F600), nor a byte fallback or unk token to stand for it", e.getMessage());
        }
    }

    @Test
    void errorOfTheTokenizersLibraryIsNamedWithTheText() throws IOException {
        Path file = tokenizerJson(shared -> shared.replace("\"byte_fallback\": true", "\"byte_fallback\": false")
                .replace("\"unk_token\": \"<unk>\"", "\"unk_token\": \"<absent>\""));
        try (HfTokenizer t = HfTokenizer.open(file, 512)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> t.encode("Hi \uD83D\uDE00"));
            assertEquals(file, e.file());
            assertTrue(e.getMessage().startsWith(file + ": cannot encode \"Hi \uD83D\uDE00\": "), e.getMessage());
            assertTrue(e.getMessage().contains("<absent>"), "the library's reason: " + e.getMessage());
            assertFalse(e.getMessage().contains("java."), e.getMessage());
        }
    }

    /** The shared stories260K-hf tokenizer.json with {@code edit} applied, written to the temp directory. */
    private Path tokenizerJson(UnaryOperator<String> edit) throws IOException {
        String shared = Files.readString(SharedFiles.model("stories260K-hf/tokenizer.json"));
        String edited = edit.apply(shared);
        assertNotEquals(shared, edited, "the edit must change the file");
        return Files.writeString(dir.resolve("tokenizer.json"), edited);
    }

    private static void assertError(Path file, int vocabSize, String fragment) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfTokenizer.open(file, vocabSize));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains(fragment), () -> "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
    }
}
