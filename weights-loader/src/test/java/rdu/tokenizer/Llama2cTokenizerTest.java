package rdu.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.model.CheckpointException;
import rdu.model.SharedFiles;

class Llama2cTokenizerTest {

    @TempDir
    Path dir;

    /** unk, BOS, EOS, the 256 byte pieces, then {@code extra} pieces with their scores: ids 259, 260, ... */
    static Path tokenizerFile(Path dir, Map<String, Float> extra) throws IOException {
        List<byte[]> pieces = new ArrayList<>(List.of(bytes("<unk>"), bytes("\n<s>\n"), bytes("\n</s>\n")));
        List<Float> scores = new ArrayList<>(List.of(0f, 0f, 0f));
        for (int b = 0; b < 256; b++) {
            pieces.add(bytes("<0x%02X>".formatted(b)));
            scores.add(0f);
        }
        extra.forEach((piece, score) -> {
            pieces.add(bytes(piece));
            scores.add(score);
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(le(16));
        for (int i = 0; i < pieces.size(); i++) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(scores.get(i))
                    .putInt(pieces.get(i).length).array());
            out.writeBytes(pieces.get(i));
        }
        return Files.write(dir.resolve("tokenizer.bin"), out.toByteArray());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] le(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }

    @Test
    void mergesTheBestScoringPairFirstAndTheLeftmostOnTies() throws IOException {
        Map<String, Float> extra = new LinkedHashMap<>();
        extra.put(" ", 0f);   // 259
        extra.put("a", 0f);   // 260
        extra.put("b", 0f);   // 261
        extra.put("ab", 1f);  // 262
        extra.put("ba", 2f);  // 263
        extra.put(" a", -5f); // 264
        extra.put("aa", 3f);  // 265
        Llama2cTokenizer t = Llama2cTokenizer.read(tokenizerFile(dir, extra), 259 + extra.size());
        // [" ", a, b, a]: "ba" (2) beats "ab" (1) -> [" ", a, ba]; then " a" (-5) is the only merge left
        assertArrayEquals(new int[] {1, 264, 263}, t.encode("aba"));
        // [" ", a, a, a]: two "aa" (3) tie, the leftmost wins -> [" ", aa, a]; " aa" and "aaa" are not pieces
        assertArrayEquals(new int[] {1, 259, 265, 260}, t.encode("aaa"));
        // unknown characters fall back to byte pieces (byte + 3); empty text gets no dummy prefix
        assertArrayEquals(new int[] {1, 259, 'x' + 3, 0xC3 + 3, 0xA9 + 3}, t.encode("xé"));
        assertArrayEquals(new int[] {1}, t.encode(""));
    }

    @Test
    void decodeStripsTheSpaceAfterBosAndTurnsBytePiecesIntoBytes() throws IOException {
        Map<String, Float> extra = new LinkedHashMap<>();
        extra.put(" a", 0f); // 259
        extra.put(" ", 0f);  // 260
        Llama2cTokenizer t = Llama2cTokenizer.read(tokenizerFile(dir, extra), 261);
        assertArrayEquals(bytes("a a"), t.decode(new int[] {1}, new int[] {259, 259}));
        assertArrayEquals(bytes(" a"), t.decode(new int[] {259}, new int[] {259}));
        assertArrayEquals(bytes(" a"), t.decode(new int[0], new int[] {259}));
        assertArrayEquals(new byte[] {(byte) 0xC3, 'x'}, t.decode(new int[] {1}, new int[] {0xC3 + 3, 'x' + 3, 2, 0}),
                "byte pieces are raw bytes, unk/BOS/EOS decode to nothing");
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[0], new int[] {261}));
    }

    @Test
    void streamingHoldsBackAnUnfinishedCharacterUntilTheEnd() {
        Llama2cTokenizer t = Llama2cTokenizer.read(SharedFiles.model("stories260K/tok512.bin"), 512);
        StreamingDecoder stream = t.streamAfter(new int[] {1});
        assertArrayEquals(bytes("a"), stream.next('a' + 3));
        assertEquals(0, stream.next(0xE6 + 3).length);
        assertEquals(0, stream.next(0x97 + 3).length);
        assertArrayEquals(new byte[] {(byte) 0xE6, (byte) 0x97}, stream.finish(), "held-back bytes, as they are");
        assertEquals(0, stream.finish().length);
        StreamingDecoder invalid = t.streamAfter(new int[] {1});
        assertEquals(0, invalid.next(0xC3 + 3).length);
        assertArrayEquals(new byte[] {(byte) 0xC3, 'b'}, invalid.next('b' + 3), "a sequence that cannot complete is emitted");
    }

    @Test
    void completeLengthFindsTheStartOfAnUnfinishedCharacter() {
        assertEquals(0, Llama2cTokenizer.completeLength(new byte[0]));
        assertEquals(1, Llama2cTokenizer.completeLength(new byte[] {'a'}));
        assertEquals(1, Llama2cTokenizer.completeLength(new byte[] {'a', (byte) 0xF0, (byte) 0x9F, (byte) 0x99}));
        assertEquals(5, Llama2cTokenizer.completeLength(new byte[] {'a', (byte) 0xF0, (byte) 0x9F, (byte) 0x99, (byte) 0x82}));
        assertEquals(2, Llama2cTokenizer.completeLength(new byte[] {(byte) 0x99, (byte) 0x82}), "stray continuation bytes");
        assertEquals(1, Llama2cTokenizer.completeLength(new byte[] {(byte) 0xFF}), "not a UTF-8 lead byte");
    }

    @Test
    void vocabularySizeMustMatchTheFile() {
        Path file = SharedFiles.model("stories260K/tok512.bin");
        assertError(file, 600, "token 512: expected a score and a length (8 bytes), found 0 bytes: the file ends after 512 of 600 tokens");
        assertError(file, 500, "vocabulary size: expected 500 tokens (vocab_size of the model), found more: ");
    }

    @Test
    void corruptFilesAreNamed() throws IOException {
        byte[] good = Files.readAllBytes(SharedFiles.model("stories260K/tok512.bin"));
        assertError(write(Arrays.copyOf(good, 2)), 512, "max_token_length: expected an int32, found 2 bytes (truncated)");
        assertError(write(Arrays.copyOf(good, good.length - 3)), 512, "token 511: expected ");
        byte[] negative = good.clone();
        ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putInt(0, -7);
        assertError(write(negative), 512, "max_token_length: expected a positive int32, found -7");
        byte[] tooLong = good.clone();
        ByteBuffer.wrap(tooLong).order(ByteOrder.LITTLE_ENDIAN).putInt(4 + 4, 1000); // token 0's length
        assertError(write(tooLong), 512, "token 0 length: expected 0..7 (max_token_length), found 1000");
        assertError(dir.resolve("absent.bin"), 512, "file not found");
    }

    @Test
    void bytePiecesAndTheDummyPrefixAreRequired() throws IOException {
        assertError(tokenizerFile(dir, Map.of("a", 0f)), 260, "pieces: expected a \" \" piece (the dummy prefix encode() adds), found none");
        byte[] file = Files.readAllBytes(tokenizerFile(dir, Map.of(" ", 0f)));
        String text = new String(file, StandardCharsets.ISO_8859_1).replace("<0x41>", "<0x4G>");
        assertError(write(text.getBytes(StandardCharsets.ISO_8859_1)), 260,
                "token 68: expected the byte-fallback piece \"<0x41>\", found \"<0x4G>\"");
    }

    /** Found by Llama2cTokenizerFuzzTest: a line break in the piece found broke the message in two. */
    @Test
    void aWrongBytePieceIsQuotedInOneLine() throws IOException {
        byte[] file = Files.readAllBytes(tokenizerFile(dir, Map.of(" ", 0f)));
        String text = new String(file, StandardCharsets.ISO_8859_1).replace("<0x41>", "\n0x41>");
        assertError(write(text.getBytes(StandardCharsets.ISO_8859_1)), 260,
                "token 68: expected the byte-fallback piece \"<0x41>\", found \"\\n0x41>\"");
    }

    private Path write(byte[] bytes) throws IOException {
        return Files.write(dir.resolve("corrupt.bin"), bytes);
    }

    private static void assertError(Path file, int vocabSize, String fragment) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Llama2cTokenizer.read(file, vocabSize));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains(fragment), () -> "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
    }
}
