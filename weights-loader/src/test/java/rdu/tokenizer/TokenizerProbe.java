package rdu.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static rdu.model.OneLineError.assertReturnsOrRefuses;

import java.util.function.Supplier;
import java.util.stream.IntStream;
import rdu.model.CheckpointException;

/** What the tokenizer fuzz tests do with a tokenizer that loaded: encode some texts, decode every id. */
final class TokenizerProbe {

    /** Plain English, nothing, characters outside any small vocabulary, a control character. */
    private static final String[] TEXTS = {"Once upon a time", "", "😀🚀🐈", "a\u0000b\tc"};

    private TokenizerProbe() {
    }

    /** The tokenizer {@code load} makes of {@code input} (or a refusal in one line) encodes and decodes. */
    static void loadEncodeDecode(byte[] input, Supplier<Tokenizer> load) {
        assertReturnsOrRefuses(CheckpointException.class, input, () -> {
            try (Tokenizer tokenizer = load.get()) {
                encodeDecode(tokenizer, input);
            }
        });
    }

    /** Every text encodes to ids of the vocabulary (or is refused in one line), and every id decodes. */
    private static void encodeDecode(Tokenizer tokenizer, byte[] input) {
        int vocab = tokenizer.vocabSize();
        for (String text : TEXTS) {
            assertReturnsOrRefuses(CheckpointException.class, input, () -> {
                int[] ids = tokenizer.encode(text);
                for (int id : ids) {
                    assertTrue(id >= 0 && id < vocab, () -> "\"" + text + "\" encodes to id " + id + " of " + vocab);
                }
                tokenizer.decode(new int[0], ids);
            });
        }
        int[] all = IntStream.range(0, vocab).toArray();
        tokenizer.decode(new int[0], all);
        StreamingDecoder stream = tokenizer.streamAfter(new int[0]);
        for (int id : all) {
            stream.next(id);
        }
        stream.finish();
    }
}
