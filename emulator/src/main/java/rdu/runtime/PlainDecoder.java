package rdu.runtime;

import rdu.sampling.Sampler;

/**
 * Plain autoregressive decoding on real weights, with llama2.c run.c's semantics: each step feeds what the model has
 * not cached yet (the whole prompt on the first step, in chunks; then the last token) and samples the next token from
 * the last position's logits. Prompt positions are not sampled, so a seeded sampler draws the same numbers whatever
 * the prompt's length.
 */
public final class PlainDecoder implements Decoder {

    private final ChipModel model;
    private final Sampler sampler;
    /** The sampler may scale logits in place; it works on this copy so the logits stay as computed. */
    private final float[] scratch;

    public PlainDecoder(ChipModel model, Sampler sampler) {
        this.model = model;
        this.sampler = sampler;
        this.scratch = new float[model.vocabSize()];
    }

    @Override
    public Step next(int[] context, int length, int room) {
        float[] logits = model.last(context, model.cachedPositions(), length);
        requireFinite(logits, length - 1);
        System.arraycopy(logits, 0, scratch, 0, scratch.length);
        int token = sampler.sample(scratch);
        return new Step(model.takePasses(), new int[] {token}, new float[][] {logits}, 0, 0);
    }

    /**
     * A checkpoint with NaN or infinite weights gives logits no token can be chosen from (greedy would print token 0
     * forever): refuse at the first such position instead of printing garbage.
     */
    static void requireFinite(float[] logits, int position) {
        for (int id = 0; id < logits.length; id++) {
            if (!Float.isFinite(logits[id])) {
                throw new GenerationException("position " + position + ": the checkpoint produced non-finite logits (NaN"
                        + " or infinity; token " + id + "'s is " + logits[id] + "), so no token can be chosen: its"
                        + " weights are broken");
            }
        }
    }
}
