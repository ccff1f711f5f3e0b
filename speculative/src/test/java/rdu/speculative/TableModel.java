package rdu.speculative;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A deterministic test model with a real KV cache: the logits after a token depend on it and on the token
 * before it, read back from the cache, so a cache that was not rolled back (or rolled back too far) changes
 * the output. Passes must be contiguous with the cache and stay inside the context, as in the emulator.
 */
final class TableModel implements LanguageModel {

    private final int vocab;
    private final int context;
    /** Logits for (previous token, token): row previous * vocab + token. */
    private final float[][] table;
    private final int[] cache;
    private int length;
    private int lastPassSize;

    /** Logits drawn from N(0, spread^2) with a fixed seed. */
    TableModel(int vocab, int context, long seed, double spread) {
        this(vocab, context, randomTable(vocab, seed, spread));
    }

    private TableModel(int vocab, int context, float[][] table) {
        this.vocab = vocab;
        this.context = context;
        this.table = table;
        this.cache = new int[context];
    }

    /** A model like this one whose logits carry extra N(0, noise^2) terms: a draft that mostly agrees. */
    TableModel perturbed(long seed, double noise) {
        float[][] extra = randomTable(vocab, seed, noise);
        float[][] sum = new float[table.length][];
        for (int r = 0; r < table.length; r++) {
            sum[r] = table[r].clone();
            for (int t = 0; t < vocab; t++) {
                sum[r][t] += extra[r][t];
            }
        }
        return new TableModel(vocab, context, sum);
    }

    private static float[][] randomTable(int vocab, long seed, double spread) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] table = new float[vocab * vocab][vocab];
        for (float[] row : table) {
            for (int t = 0; t < vocab; t++) {
                row[t] = (float) (nextGaussian(random) * spread);
            }
        }
        return table;
    }

    private static double nextGaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public int contextLength() {
        return context;
    }

    @Override
    public float[][] forward(int[] tokens, int startPos) {
        if (startPos != length) {
            throw new IllegalStateException("pass starts at " + startPos + " but the cache holds " + length);
        }
        if (startPos + tokens.length > context) {
            throw new IllegalStateException("pass reaches position " + (startPos + tokens.length - 1)
                    + " beyond the context of " + context);
        }
        float[][] logits = new float[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            int pos = startPos + i;
            cache[pos] = tokens[i];
            int previous = pos == 0 ? 0 : cache[pos - 1];
            logits[i] = table[previous * vocab + tokens[i]].clone();
        }
        length += tokens.length;
        lastPassSize = tokens.length;
        return logits;
    }

    @Override
    public int cachedPositions() {
        return length;
    }

    @Override
    public void rollback(int keep) {
        if (keep < 0 || keep > length) {
            throw new IllegalStateException("rollback to " + keep + " with " + length + " positions cached");
        }
        length = keep;
    }

    /** The tokens in the cache, position by position. */
    int[] cached() {
        return Arrays.copyOf(cache, length);
    }

    int lastPassSize() {
        return lastPassSize;
    }
}
