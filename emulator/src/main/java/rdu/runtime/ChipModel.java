package rdu.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import rdu.executor.FunctionalExecutor;
import rdu.speculative.LanguageModel;
import rdu.timing.Pass;

/**
 * A model running for real on the emulated chip, as the decoders and the speculative algorithms see it: passes over
 * new positions, at most {@code chunk} positions each, through the functional executor, logged for the timing
 * engine with the experts their routers chose. Rolling back only moves the end of the cache: later passes overwrite
 * the forgotten positions.
 */
public final class ChipModel implements LanguageModel {

    private final FunctionalExecutor executor;
    private final int vocabSize;
    private final int positions;
    private final int chunk;
    private final boolean draft;
    private int promptLength;
    private final List<Pass> passes = new ArrayList<>();
    private int cached;

    /**
     * @param positions    positions the run may reach (the executor's KV cache holds them)
     * @param chunk        the widest pass, at least 1
     * @param draft        whether this is a draft model (its passes are draft passes)
     * @param promptLength the request's prompt: passes over it are prefill
     */
    public ChipModel(FunctionalExecutor executor, int vocabSize, int positions, int chunk, boolean draft,
                     int promptLength) {
        if (chunk < 1) {
            throw new IllegalArgumentException("the prefill chunk must be at least 1 position, found " + chunk);
        }
        this.executor = executor;
        this.vocabSize = vocabSize;
        this.positions = positions;
        this.chunk = chunk;
        this.draft = draft;
        this.promptLength = promptLength;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int contextLength() {
        return positions;
    }

    @Override
    public int cachedPositions() {
        return cached;
    }

    @Override
    public void rollback(int length) {
        if (length < 0 || length > cached) {
            throw new IllegalArgumentException("rollback to " + length + " positions with " + cached + " cached");
        }
        cached = length;
    }

    /**
     * Starts the next request of a conversation on this cache: its first {@code keep} positions hold what the new
     * prompt starts with, so only the rest of the prompt's {@code promptLength} positions is prefilled.
     */
    public void nextRequest(int keep, int promptLength) {
        if (keep >= promptLength) {
            throw new IllegalArgumentException("a request keeps " + keep + " cached positions of a " + promptLength
                    + "-token prompt: its last position must be fed to give the next token's logits");
        }
        rollback(keep);
        this.promptLength = promptLength;
    }

    /** One row of logits per token (rows of the last chunk are the executor's, valid until the next pass). */
    @Override
    public float[][] forward(int[] tokens, int startPos) {
        float[][] rows = new float[tokens.length][];
        run(tokens, 0, tokens.length, startPos, rows);
        return rows;
    }

    /**
     * Feeds {@code context[from, to)} at positions from.. and returns only the last position's logits (the
     * executor's row, valid until the next pass): a prefill keeps no row it does not sample from.
     */
    public float[] last(int[] context, int from, int to) {
        return run(context, from, to, from, null);
    }

    /** The passes run since the last call, in order: the timing engine books them. */
    public List<Pass> takePasses() {
        List<Pass> taken = List.copyOf(passes);
        passes.clear();
        return taken;
    }

    private float[] run(int[] tokens, int from, int to, int startPos, float[][] rows) {
        if (startPos != cached) {
            throw new IllegalStateException("a pass starts at position " + startPos + " but " + cached
                    + " positions are cached: passes are contiguous");
        }
        if (to <= from || startPos + (long) (to - from) > positions) {
            throw new IllegalArgumentException("a pass of " + (to - from) + " positions from " + startPos
                    + " must hold at least one and stay within the run's " + positions + " positions");
        }
        float[] last = null;
        for (int at = from; at < to; at += chunk) {
            int width = Math.min(chunk, to - at);
            int position = startPos + at - from;
            boolean lastChunk = at + width == to;
            // without rows to fill, only the last chunk's last position needs logits
            int logitRows = rows != null ? width : lastChunk ? 1 : 0;
            float[][] out = executor.forward(Arrays.copyOfRange(tokens, at, at + width), position, logitRows);
            passes.add(new Pass(phase(position, width), position, width, executor.chosenExperts()));
            cached = position + width;
            for (int i = 0; rows != null && i < width; i++) {
                rows[at - from + i] = lastChunk ? out[i] : out[i].clone(); // the next chunk reuses the rows
            }
            if (logitRows > 0) {
                last = out[logitRows - 1];
            }
        }
        return last;
    }

    private Pass.Phase phase(int position, int width) {
        if (draft) {
            return Pass.Phase.DRAFT;
        }
        if (position < promptLength) {
            return Pass.Phase.PREFILL;
        }
        return width == 1 ? Pass.Phase.DECODE : Pass.Phase.VERIFY;
    }
}
