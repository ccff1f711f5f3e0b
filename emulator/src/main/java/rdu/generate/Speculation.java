package rdu.generate;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import rdu.model.Checkpoint;
import rdu.model.ModelConfig;
import rdu.runtime.GenerationException;
import rdu.sampling.Sampler;
import rdu.tokenizer.Tokenizer;

/**
 * How generation speculates: who drafts, and the longest draft k a step verifies.
 *
 * @param method the drafting method
 * @param k      the longest draft, at least 1
 * @param n      prompt lookup: how many trailing tokens must match (0 for the other methods)
 * @param layers layer skipping: the target layers the draft runs (0 for the other methods)
 * @param draft  the draft model's checkpoint (null for the other methods)
 */
public record Speculation(Method method, int k, int n, int layers, Checkpoint draft) {

    public enum Method {
        /** A smaller model sharing the target's tokenizer decodes k steps ahead. */
        DRAFT_MODEL,
        /** Prompt lookup: the tokens that followed the last earlier occurrence of the context's last n tokens. */
        NGRAM,
        /** Self-speculation: the target's first layers and its classifier. */
        LAYER_SKIP
    }

    public Speculation {
        if (k < 1) {
            throw new GenerationException("--spec-k must be at least 1, found " + k);
        }
        if (method == Method.NGRAM && n < 1) {
            throw new GenerationException("ngram:N needs N >= 1 (tokens to match), found " + n);
        }
        if ((method == Method.DRAFT_MODEL) != (draft != null)) {
            throw new IllegalArgumentException("a draft checkpoint goes with draft-model speculation only");
        }
    }

    /** Prompt lookup's n when {@code ngram} gives none. */
    public static final int DEFAULT_NGRAM = 2;

    /**
     * A drafting method without a second model, as {@code --spec} gives it: {@code ngram[:N]} or {@code layerskip:L};
     * null for null.
     */
    public static Speculation parse(String spec, int k) {
        if (spec == null) {
            return null;
        }
        String[] parts = spec.split(":", -1);
        try {
            return switch (parts[0]) {
                case "ngram" -> {
                    if (parts.length > 2) {
                        throw new GenerationException("expected ngram or ngram:N");
                    }
                    yield ngram(parts.length == 1 ? DEFAULT_NGRAM : number(parts[1]), k);
                }
                case "layerskip" -> {
                    if (parts.length != 2) {
                        throw new GenerationException("expected layerskip:L (the draft's layers)");
                    }
                    yield layerSkip(number(parts[1]), k);
                }
                default -> throw new GenerationException("expected ngram[:N] or layerskip:L");
            };
        } catch (GenerationException e) {
            throw new GenerationException("--spec " + spec + ": " + e.getMessage());
        }
    }

    private static int number(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new GenerationException("\"" + text + "\" is not a whole number");
        }
    }

    public static Speculation draftModel(Checkpoint draft, int k) {
        return new Speculation(Method.DRAFT_MODEL, k, 0, 0, draft);
    }

    public static Speculation ngram(int n, int k) {
        return new Speculation(Method.NGRAM, k, n, 0, null);
    }

    public static Speculation layerSkip(int layers, int k) {
        return new Speculation(Method.LAYER_SKIP, k, 0, layers, null);
    }

    /** Speculative sampling keeps the target's distribution at its temperature: no top-k or nucleus truncation. */
    public static void requireSampler(Sampler sampler) {
        if (sampler.temperature() > 0 && (sampler.topK() > 0 || (sampler.topP() > 0 && sampler.topP() < 1))) {
            throw new GenerationException("speculative sampling keeps the target's distribution at its temperature;"
                    + " it does not combine with --top-k or --top-p");
        }
    }

    /** Refuses a speculation the target cannot run with, in one line. */
    void requireFits(Checkpoint target) {
        ModelConfig config = target.config();
        if (k >= config.maxPositions()) {
            throw new GenerationException("--spec-k " + k + " is beyond the target's context of "
                    + config.maxPositions() + " positions");
        }
        if (method == Method.LAYER_SKIP && (layers < 1 || layers > config.numLayers() - 1)) {
            throw new GenerationException("layerskip:" + layers + ": the draft runs the target's first L layers, L in 1.."
                    + (config.numLayers() - 1) + " for this " + config.numLayers() + "-layer model");
        }
        if (method == Method.DRAFT_MODEL) {
            requireSameVocabulary(target, draft);
        }
    }

    /**
     * Draft tokens are target tokens only if both tokenizers map every id to the same text: compares the
     * vocabularies id by id, not only their sizes, and the BOS and stop tokens.
     */
    static void requireSameVocabulary(Checkpoint target, Checkpoint draft) {
        ModelConfig t = target.config();
        ModelConfig d = draft.config();
        String where = "draft " + draft.source() + " and target " + target.source();
        if (t.vocabSize() != d.vocabSize()) {
            throw new GenerationException(where + " have different vocabularies: " + d.vocabSize() + " and "
                    + t.vocabSize() + " tokens");
        }
        if (t.bosTokenId() != d.bosTokenId() || !t.eosTokenIds().equals(d.eosTokenIds())) {
            throw new GenerationException(where + " have different special tokens: BOS " + d.bosTokenId()
                    + " and " + t.bosTokenId() + ", stop " + d.eosTokenIds() + " and " + t.eosTokenIds());
        }
        Tokenizer a = draft.tokenizer();
        Tokenizer b = target.tokenizer();
        int[] context = {t.bosTokenId()};
        for (int id = 0; id < t.vocabSize(); id++) {
            byte[] x = a.decode(context, new int[] {id});
            byte[] y = b.decode(context, new int[] {id});
            if (!Arrays.equals(x, y)) {
                throw new GenerationException(where + " have different vocabularies: token " + id + " is \""
                        + new String(x, StandardCharsets.UTF_8) + "\" in the draft's tokenizer and \""
                        + new String(y, StandardCharsets.UTF_8) + "\" in the target's");
            }
        }
    }
}
