package rdu.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import rdu.model.SharedFiles;

/** Both tokenizers against run.c's golden records, and against each other. */
class TokenizersTest {

    static final List<String> MODELS = List.of("stories260K", "llama2xs-260K");

    static Tokenizer hf(String model) {
        return HfTokenizer.open(SharedFiles.model(model + "-hf/tokenizer.json"), 512);
    }

    static Tokenizer llama2c(String model) {
        return Llama2cTokenizer.read(SharedFiles.model(model + "/tok512.bin"), 512);
    }

    static Stream<Arguments> tokenizers() {
        return MODELS.stream().flatMap(model -> Stream.of(Arguments.of(model, "hf"), Arguments.of(model, "llama2c")));
    }

    static Tokenizer open(String model, String kind) {
        return kind.equals("hf") ? hf(model) : llama2c(model);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tokenizers")
    void goldenPromptsEncodeAndGenerationsDecodeLikeRunC(String model, String kind) {
        List<GoldenRecord> records = GoldenRecord.read(model);
        assertEquals(8, records.size());
        try (Tokenizer t = open(model, kind)) {
            for (GoldenRecord r : records) {
                assertArrayEquals(r.promptIds(), t.encode(r.prompt()), r.prompt());
                assertArrayEquals(r.generatedBytes(), t.decode(r.promptIds(), r.generatedIds()), r.prompt());

                StreamingDecoder stream = t.streamAfter(r.promptIds());
                ByteArrayOutputStream streamed = new ByteArrayOutputStream();
                for (int id : r.generatedIds()) {
                    streamed.writeBytes(stream.next(id));
                }
                streamed.writeBytes(stream.finish());
                assertArrayEquals(r.generatedBytes(), streamed.toByteArray(), r.prompt());
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tokenizers")
    void characterSplitOverByteFallbackTokensIsEmittedOnceWhole(String model, String kind) {
        try (Tokenizer t = open(model, kind)) {
            // Not in the 512-piece vocabulary: encoded as BOS, the dummy-prefix " ", one byte piece (byte + 3) per byte.
            assertArrayEquals(new int[] {1, 410, 0xE6 + 3, 0x97 + 3, 0xA5 + 3}, t.encode("日"));
            assertArrayEquals(new int[] {1, 410, 0xF0 + 3, 0x9F + 3, 0x99 + 3, 0x82 + 3}, t.encode("🙂"));
            // "é" is a piece of its own, but the model may still generate it as <0xC3><0xA9>.
            for (String character : List.of("é", "日", "🙂")) {
                byte[] utf8 = character.getBytes(StandardCharsets.UTF_8);
                StreamingDecoder stream = t.streamAfter(new int[] {1, 410});
                for (int k = 0; k < utf8.length - 1; k++) {
                    assertEquals(0, stream.next((utf8[k] & 0xFF) + 3).length, character + " byte " + k);
                }
                assertArrayEquals(utf8, stream.next((utf8[utf8.length - 1] & 0xFF) + 3), character);
                assertEquals(0, stream.finish().length);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "llama2xs-260K"})
    void huggingFaceAndLlama2cTokenizersAgree(String model) {
        List<String> texts = List.of("", "a", " ", "  ", "Hello", "hello world", "Once upon a time, there was a cat.",
                "Lily and Ben went to the park.", "\"Look!\" said Tom. \"A big, red ball!\"", "She was 3 years old.",
                "12345 + 678 = 13023", "The end.\nThe next day", "line one\n\nline two", "tab\tseparated",
                "  leading spaces", "trailing spaces   ", "multiple   inner    spaces", "CAPITALS AND lower",
                "It's Tim's dog; isn't it?", "(parentheses) [brackets] {braces}", "a-b_c/d\\e", "100% sure!",
                "email@example.com", "café", "naïve résumé", "日本語", "Привет", "emoji 🙂 here", "Ω≈ç√∫",
                "x".repeat(50), "the the the the the", "Tom said, \"Let's play!\" and ran away.",
                "They were happy. They played all day.", "What is your name?", "Mom! Dad!");
        try (Tokenizer hf = hf(model); Tokenizer llama2c = llama2c(model)) {
            for (String text : texts) {
                int[] ids = llama2c.encode(text);
                assertArrayEquals(ids, hf.encode(text), text);
                byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
                assertArrayEquals(utf8, llama2c.decode(new int[0], ids), text);
                assertArrayEquals(utf8, hf.decode(new int[0], ids), text);
            }
        }
    }
}
