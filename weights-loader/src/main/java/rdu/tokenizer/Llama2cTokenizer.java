package rdu.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;

/**
 * llama2.c's tokenizer.bin (int32 max_token_length, then per token: float32 score, int32 length, bytes),
 * encoding and decoding exactly like run.c: SentencePiece-style BPE by repeated best-score merges, with byte fallback.
 * Ids 0, 1, 2 are SentencePiece's unk, BOS and EOS; ids 3..258 are the byte pieces "<0x00>".."<0xFF>".
 */
public final class Llama2cTokenizer implements Tokenizer {

    private static final int BOS = 1;
    /** Id of the byte piece for byte 0; below it are the control tokens, which decode to nothing. */
    private static final int FIRST_BYTE_ID = 3;

    private final byte[][] pieces;
    private final float[] scores;
    /** Piece bytes (as ISO-8859-1 text, one char per byte) to id, for run.c's str_lookup. */
    private final Map<String, Integer> ids = new HashMap<>();
    private final String[] keys;
    private final int dummyPrefix;

    private Llama2cTokenizer(byte[][] pieces, float[] scores) {
        this.pieces = pieces;
        this.scores = scores;
        this.keys = new String[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            keys[i] = new String(pieces[i], StandardCharsets.ISO_8859_1);
            ids.putIfAbsent(keys[i], i);
        }
        this.dummyPrefix = ids.getOrDefault(" ", -1);
    }

    /** Reads {@code file}, which must hold exactly {@code vocabSize} tokens (the model's vocab_size). */
    public static Llama2cTokenizer read(Path file, int vocabSize) {
        ByteBuffer in = ByteBuffer.wrap(CheckpointFiles.readBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < Integer.BYTES) {
            throw new CheckpointException(file, "max_token_length", "an int32", in.remaining() + " bytes (truncated)");
        }
        int maxTokenLength = in.getInt();
        if (maxTokenLength <= 0) {
            throw new CheckpointException(file, "max_token_length", "a positive int32", String.valueOf(maxTokenLength));
        }
        byte[][] pieces = new byte[vocabSize][];
        float[] scores = new float[vocabSize];
        for (int i = 0; i < vocabSize; i++) {
            if (in.remaining() < 8) {
                throw new CheckpointException(file, "token " + i, "a score and a length (8 bytes)",
                        in.remaining() + " bytes: the file ends after " + i + " of " + vocabSize
                                + " tokens (truncated, or not the tokenizer of this model)");
            }
            scores[i] = in.getFloat();
            int length = in.getInt();
            if (length < 0 || length > maxTokenLength) {
                throw new CheckpointException(file, "token " + i + " length",
                        "0.." + maxTokenLength + " (max_token_length)", String.valueOf(length));
            }
            if (in.remaining() < length) {
                throw new CheckpointException(file, "token " + i, length + " bytes", in.remaining() + " bytes (truncated)");
            }
            pieces[i] = new byte[length];
            in.get(pieces[i]);
        }
        if (in.hasRemaining()) {
            throw new CheckpointException(file, "vocabulary size", vocabSize + " tokens (vocab_size of the model)",
                    "more: " + in.remaining() + " bytes follow token " + (vocabSize - 1));
        }
        for (int b = 0; b < 256; b++) {
            String expected = "<0x%02X>".formatted(b);
            int id = FIRST_BYTE_ID + b;
            if (id >= vocabSize || !expected.equals(new String(pieces[id], StandardCharsets.ISO_8859_1))) {
                throw new CheckpointException(file, "token " + id, "the byte-fallback piece \"" + expected + "\"",
                        id >= vocabSize ? "vocabulary of " + vocabSize + " tokens"
                                : CheckpointFiles.quoted(new String(pieces[id], StandardCharsets.UTF_8)));
            }
        }
        Llama2cTokenizer tokenizer = new Llama2cTokenizer(pieces, scores);
        if (tokenizer.dummyPrefix < 0) {
            throw new CheckpointException(file, "pieces", "a \" \" piece (the dummy prefix encode() adds)", "none");
        }
        return tokenizer;
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    /** run.c's encode(text, bos=1, eos=0). */
    @Override
    public int[] encode(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] tokens = new int[utf8.length + 2];
        int n = 0;
        tokens[n++] = BOS;
        if (utf8.length > 0) {
            tokens[n++] = dummyPrefix;
        }
        // One code point at a time (at most 4 bytes): its piece if there is one, else one byte piece per byte.
        int length = 0;
        for (int i = 0; i < utf8.length; i++) {
            if ((utf8[i] & 0xC0) != 0x80) {
                length = 0;
            }
            length++;
            boolean continues = i + 1 < utf8.length && (utf8[i + 1] & 0xC0) == 0x80;
            if (continues && length < 4) {
                continue;
            }
            int start = i - length + 1;
            Integer id = ids.get(new String(utf8, start, length, StandardCharsets.ISO_8859_1));
            if (id != null) {
                tokens[n++] = id;
            } else {
                for (int k = start; k <= i; k++) {
                    tokens[n++] = FIRST_BYTE_ID + (utf8[k] & 0xFF);
                }
            }
            length = 0;
        }
        // Merge the adjacent pair whose merged piece scores best (first such pair on ties), until none merges.
        while (true) {
            float bestScore = -1e10f;
            int bestId = -1;
            int bestIndex = -1;
            for (int i = 0; i < n - 1; i++) {
                Integer id = ids.get(keys[tokens[i]] + keys[tokens[i + 1]]);
                if (id != null && scores[id] > bestScore) {
                    bestScore = scores[id];
                    bestId = id;
                    bestIndex = i;
                }
            }
            if (bestIndex < 0) {
                break;
            }
            tokens[bestIndex] = bestId;
            System.arraycopy(tokens, bestIndex + 2, tokens, bestIndex + 1, n - bestIndex - 2);
            n--;
        }
        return Arrays.copyOf(tokens, n);
    }

    /** The stored bytes of token {@code id} (BOS and EOS are stored as "\n<s>\n" and "\n</s>\n"). */
    byte[] rawPiece(int id) {
        return pieces[id].clone();
    }

    /** The merge score of token {@code id}: a higher one merges first. */
    float score(int id) {
        return scores[id];
    }

    @Override
    public byte[] decode(int[] context, int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int previous = context.length == 0 ? -1 : context[context.length - 1];
        for (int id : ids) {
            out.writeBytes(piece(previous, id));
            previous = id;
        }
        return out.toByteArray();
    }

    @Override
    public StreamingDecoder streamAfter(int[] context) {
        return new Stream(context.length == 0 ? -1 : context[context.length - 1]);
    }

    @Override
    public void close() {
    }

    /** run.c's decode(prev_token, token): a piece right after BOS loses its leading space; byte pieces are raw bytes. */
    private byte[] piece(int previous, int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + pieces.length + ")");
        }
        if (id < FIRST_BYTE_ID) {
            return new byte[0];
        }
        if (id < FIRST_BYTE_ID + 256) {
            return new byte[] {(byte) (id - FIRST_BYTE_ID)};
        }
        byte[] piece = pieces[id];
        if (previous == BOS && piece.length > 0 && piece[0] == ' ') {
            return Arrays.copyOfRange(piece, 1, piece.length);
        }
        return piece;
    }

    /** Length of the prefix of {@code bytes} that does not end inside an unfinished UTF-8 character. */
    static int completeLength(byte[] bytes) {
        int n = bytes.length;
        for (int back = 1; back <= Math.min(4, n); back++) {
            int b = bytes[n - back] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue; // continuation byte: the character started further back
            }
            int needed = b >= 0xF8 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return needed > back ? n - back : n;
        }
        return n; // only continuation bytes: no character can complete them
    }

    /** Holds back the bytes of an unfinished character until the piece that completes it arrives. */
    private final class Stream implements StreamingDecoder {
        private int previous;
        private byte[] pending = new byte[0];

        Stream(int previous) {
            this.previous = previous;
        }

        @Override
        public byte[] next(int id) {
            byte[] piece = piece(previous, id);
            previous = id;
            byte[] all = Arrays.copyOf(pending, pending.length + piece.length);
            System.arraycopy(piece, 0, all, pending.length, piece.length);
            int ready = completeLength(all);
            pending = Arrays.copyOfRange(all, ready, all.length);
            return Arrays.copyOf(all, ready);
        }

        @Override
        public byte[] finish() {
            byte[] rest = pending;
            pending = new byte[0];
            return rest;
        }
    }
}
