package rdu.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;

/**
 * A Hugging Face tokenizer.json, run by the Rust tokenizers library through DJL.
 * Encoding adds special tokens as the post-processor says (BOS first for Llama); decoding skips them.
 */
public final class HfTokenizer implements Tokenizer {

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;
    private final int vocabSize;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, Path file, int vocabSize) {
        this.tokenizer = tokenizer;
        this.file = file;
        this.vocabSize = vocabSize;
    }

    /** Loads {@code tokenizerJson}, which must cover exactly {@code vocabSize} ids (the model's vocab_size). */
    public static HfTokenizer open(Path tokenizerJson, int vocabSize) {
        byte[] json = CheckpointFiles.readBytes(tokenizerJson); // read once, here: DJL gets the bytes, not the path
        JsonNode root = CheckpointFiles.parseJsonObject(tokenizerJson, "JSON", json);
        int size = vocabSize(tokenizerJson, root);
        if (size != vocabSize) {
            throw new CheckpointException(tokenizerJson, "vocabulary size", vocabSize + " (vocab_size of the model)",
                    String.valueOf(size));
        }
        checkTemplates(tokenizerJson, root.path("post_processor"));
        checkStrips(tokenizerJson, root.path("decoder"));
        // DJL probes the EC2 metadata service for telemetry unless opted out; reading a local file must not touch the network.
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        try {
            // DJL's defaults truncate and pad to 512 tokens (a BERT habit); a decoder wants neither.
            return new HfTokenizer(HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json),
                    Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false")), tokenizerJson, size);
        } catch (IOException e) {
            throw CheckpointFiles.readError(tokenizerJson, e);
        } catch (RuntimeException e) {
            throw new CheckpointException(tokenizerJson, "Hugging Face tokenizers cannot load it: "
                    + CheckpointFiles.quoted(String.valueOf(e.getMessage())), e);
        }
    }

    /** One more than the largest id of the model vocabulary and the added tokens. */
    private static int vocabSize(Path file, JsonNode root) {
        JsonNode vocab = root.path("model").path("vocab");
        int size;
        if (vocab.isObject()) {
            size = 0;
            for (JsonNode id : vocab) {
                size = Math.max(size, id.asInt() + 1);
            }
        } else if (vocab.isArray()) {
            size = vocab.size(); // Unigram: a list of [piece, score], ids are positions
        } else {
            throw new CheckpointException(file, "model.vocab", "an object (piece -> id) or a list",
                    CheckpointFiles.describe(vocab));
        }
        for (JsonNode added : root.path("added_tokens")) {
            size = Math.max(size, added.path("id").asInt() + 1);
        }
        return size;
    }

    /**
     * What the Rust library checks when it builds a TemplateProcessing post-processor but not when it reads one: every
     * special token a template names is defined. An undefined one aborts the whole JVM on the first encode.
     */
    private static void checkTemplates(Path file, JsonNode processor) {
        for (JsonNode inner : processor.path("processors")) { // a "Sequence" post-processor (Llama 3's)
            checkTemplates(file, inner);
        }
        if (!processor.path("type").asText().equals("TemplateProcessing")) {
            return;
        }
        for (String template : List.of("single", "pair")) {
            for (JsonNode piece : processor.path(template)) {
                JsonNode id = piece.path("SpecialToken").path("id");
                if (id.isTextual() && !processor.path("special_tokens").has(id.textValue())) {
                    throw new CheckpointException(file, "post_processor." + template,
                            "special tokens defined in post_processor.special_tokens", CheckpointFiles.quoted(id.textValue()));
                }
            }
        }
    }

    /**
     * The tokenizers library bundled with DJL aborts the whole JVM when a Strip decoder that strips from the end meets
     * an empty text, and decoding meets one on every call; the usual SentencePiece Strip strips only from the start.
     */
    private static void checkStrips(Path file, JsonNode decoder) {
        for (JsonNode inner : decoder.path("decoders")) { // a "Sequence" decoder
            checkStrips(file, inner);
        }
        JsonNode stop = decoder.path("stop");
        if (decoder.path("type").asText().equals("Strip") && !(stop.isIntegralNumber() && stop.longValue() == 0)) {
            throw new CheckpointException(file, "decoder Strip stop",
                    "0 (stripping from the end aborts the tokenizers library)", CheckpointFiles.describe(stop));
        }
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    /**
     * The prompt's ids, each checked against the model's vocabulary: the post-processor may add ids that the vocabulary
     * the file declares does not hold. Text the tokenizer cannot encode is an error naming the text, not a silent gap.
     */
    @Override
    public int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * The text's ids with no special token added: what a chat template renders writes its own (BOS among them), as
     * Hugging Face's apply_chat_template encodes it. Special tokens written in the text are still recognised.
     */
    public int[] encodeAsIs(String text) {
        return encode(text, false);
    }

    private int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = ids(text, addSpecialTokens);
        int[] result = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new CheckpointException(file, "encoding " + quote(text),
                        "token ids in [0, " + vocabSize + ") (vocab_size of the model)", ids[i] + " at position " + i);
            }
            result[i] = (int) ids[i];
        }
        if (!text(result, 0, result.length).equals(text)) {
            checkNothingDropped(text, ids, addSpecialTokens); // only then: text that decodes back as itself lost nothing
        }
        return result;
    }

    private long[] ids(String text, boolean addSpecialTokens) {
        try {
            return tokenizer.encode(text, addSpecialTokens, false).getIds();
        } catch (RuntimeException e) { // the Rust library's error, e.g. an unk_token missing from the vocabulary
            throw new CheckpointException(file, "cannot encode " + quote(text) + ": " + e.getMessage(), e);
        }
    }

    /**
     * A BPE without byte fallback and unk token skips, without a word, every character its vocabulary lacks: such a
     * character is one whose removal leaves the ids as they were.
     */
    private void checkNothingDropped(String text, long[] ids, boolean addSpecialTokens) {
        text.codePoints().distinct().filter(c -> !Character.isWhitespace(c)).forEach(c -> {
            String character = Character.toString(c);
            if (Arrays.equals(ids(text.replace(character, ""), addSpecialTokens), ids)) {
                throw new CheckpointException(file, "cannot encode %s: the tokenizer has no token for %s (U+%04X), nor a"
                        .formatted(quote(text), quote(character), c) + " byte fallback or unk token to stand for it");
            }
        });
    }

    /** Text as an error message shows it: quoted, shortened when long. */
    private static String quote(String text) {
        boolean longText = text.codePointCount(0, text.length()) > 60;
        return "\"" + (longText ? text.substring(0, text.offsetByCodePoints(0, 57)) + "..." : text) + "\"";
    }

    /**
     * The text after the context's text: decoding context and ids together lets decoders that look at the start
     * (the Strip that removes SentencePiece's dummy-prefix space) see the same start as the whole generation does.
     */
    @Override
    public byte[] decode(int[] context, int[] ids) {
        int[] all = Arrays.copyOf(context, context.length + ids.length);
        System.arraycopy(ids, 0, all, context.length, ids.length);
        String before = text(context, 0, context.length);
        String after = text(all, 0, all.length);
        // Normally after starts with before; when the context ends inside a character, before ends in U+FFFD instead.
        int common = 0;
        while (common < before.length() && common < after.length() && before.charAt(common) == after.charAt(common)) {
            common++;
        }
        return after.substring(common).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public StreamingDecoder streamAfter(int[] context) {
        return new Stream(context);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private String text(int[] ids, int from, int to) {
        long[] longs = new long[to - from];
        for (int i = from; i < to; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + ids[i] + " outside the vocabulary [0, " + vocabSize + ")");
            }
            longs[i - from] = ids[i];
        }
        return tokenizer.decode(longs, true);
    }

    /**
     * text-generation-inference's incremental detokenizer: decode a short window of already printed tokens with
     * and without the new ones, and print the difference once it no longer ends in U+FFFD (an unfinished character).
     */
    private final class Stream implements StreamingDecoder {
        private int[] ids;
        private int size;
        /** Start of the window decoded for context; its text was printed already. */
        private int prefixOffset;
        /** Everything before this has been printed. */
        private int readOffset;

        Stream(int[] context) {
            ids = Arrays.copyOf(context, context.length + 16);
            size = context.length;
            readOffset = size;
            prefixOffset = Math.max(0, size - 5); // a few tokens, so the window starts like the real text
        }

        @Override
        public byte[] next(int id) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
            }
            ids[size++] = id;
            String printed = text(ids, prefixOffset, readOffset);
            String all = text(ids, prefixOffset, size);
            if (all.length() <= printed.length() || all.endsWith("\uFFFD")) {
                return new byte[0];
            }
            prefixOffset = readOffset;
            readOffset = size;
            return all.substring(printed.length()).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] finish() {
            String printed = text(ids, prefixOffset, readOffset);
            String all = text(ids, prefixOffset, size);
            prefixOffset = readOffset;
            readOffset = size;
            return all.length() <= printed.length() ? new byte[0]
                    : all.substring(printed.length()).getBytes(StandardCharsets.UTF_8);
        }
    }
}
