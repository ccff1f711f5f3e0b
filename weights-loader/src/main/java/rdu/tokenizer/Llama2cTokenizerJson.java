package rdu.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;

/**
 * A llama2.c tokenizer.bin as a Hugging Face tokenizer.json, as ../shared/tools/llama2c_to_hf.py writes it: a BPE model
 * with byte fallback whose pieces have ' ' back as SentencePiece's U+2581, ids 0/1/2 named &lt;unk&gt;/&lt;s&gt;/&lt;/s&gt;,
 * and merges derived from the scores as transformers' SentencePieceExtractor does (every split of a piece into two
 * pieces of the vocabulary is a merge, ranked by the merged piece's score), which reproduces run.c's encoder.
 */
public final class Llama2cTokenizerJson {

    private static final String SPIECE = "\u2581";
    private static final String[] CONTROL = {"<unk>", "<s>", "</s>"};

    private record Merge(String left, String right, float score) {
    }

    private Llama2cTokenizerJson() {
    }

    /** The tokenizer.json of {@code file}, which must hold {@code vocabSize} tokens. */
    public static ObjectNode of(Path file, int vocabSize) {
        Llama2cTokenizer tokenizer = Llama2cTokenizer.read(file, vocabSize);
        List<String> tokens = new ArrayList<>();
        Map<String, Integer> vocab = new HashMap<>();
        for (int id = 0; id < vocabSize; id++) {
            String token = id < CONTROL.length ? CONTROL[id] : utf8(file, id, tokenizer.rawPiece(id)).replace(" ", SPIECE);
            Integer earlier = vocab.putIfAbsent(token, id);
            if (earlier != null) {
                throw new CheckpointException(file, "token " + id, "a piece unlike every other",
                        CheckpointFiles.quoted(token) + ", the piece of token " + earlier + " too");
            }
            tokens.add(token);
        }
        List<Merge> merges = new ArrayList<>();
        for (int id = CONTROL.length; id < vocabSize; id++) {
            String token = tokens.get(id);
            if (token.length() == 6 && token.startsWith("<0x") && token.endsWith(">")) {
                continue; // byte pieces are reached by fallback, never by merging
            }
            List<Merge> splits = new ArrayList<>();
            // split between code points, as Python's str slicing does
            for (int k = token.offsetByCodePoints(0, 1); k < token.length(); k = token.offsetByCodePoints(k, 1)) {
                String left = token.substring(0, k);
                String right = token.substring(k);
                if (vocab.containsKey(left) && vocab.containsKey(right)) {
                    splits.add(new Merge(left, right, tokenizer.score(id)));
                }
            }
            splits.sort((a, b) -> vocab.get(a.left) - vocab.get(b.left) != 0 ? vocab.get(a.left) - vocab.get(b.left)
                    : vocab.get(a.right) - vocab.get(b.right));
            merges.addAll(splits);
        }
        // best score first; the sort is stable, so splits of one piece keep their order
        merges.sort((a, b) -> a.score > b.score ? -1 : a.score < b.score ? 1 : 0);
        return json(tokens, merges);
    }

    private static String utf8(Path file, int id, byte[] piece) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(piece)).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException(file, "token " + id, "a UTF-8 piece (tokenizer.json holds text)",
                    piece.length + " bytes that are not UTF-8");
        }
    }

    private static ObjectNode json(List<String> tokens, List<Merge> merges) {
        ObjectNode root = CheckpointFiles.JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < CONTROL.length; id++) {
            added.addObject().put("id", id).put("content", CONTROL[id]).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        ArrayNode normalizers = root.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
        normalizers.addObject().put("type", "Prepend").put("prepend", SPIECE);
        normalizers.addObject().put("type", "Replace").put("content", SPIECE).putObject("pattern").put("String", " ");
        root.putNull("pre_tokenizer");
        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject("<s>").put("id", "<s>");
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add("<s>");
        ArrayNode decoders = root.putObject("decoder").put("type", "Sequence").putArray("decoders");
        decoders.addObject().put("type", "Replace").put("content", " ").putObject("pattern").put("String", SPIECE);
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = root.putObject("model").put("type", "BPE").putNull("dropout").put("unk_token", "<unk>");
        model.putNull("continuing_subword_prefix").putNull("end_of_word_suffix");
        model.put("fuse_unk", true).put("byte_fallback", true).put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < tokens.size(); id++) {
            vocab.put(tokens.get(id), id);
        }
        ArrayNode mergeList = model.putArray("merges");
        for (Merge m : merges) {
            mergeList.addArray().add(m.left).add(m.right);
        }
        return root;
    }
}
