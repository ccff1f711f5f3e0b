package rdu.speculative;

import rdu.sampling.Argmax;

/**
 * Keeps the longest draft prefix that equals the target's argmax, then the target's argmax after it. Every
 * committed token is the one plain greedy decoding of the target would have chosen, so the output is
 * identical token for token; the draft only changes how many come per pass.
 */
public final class GreedyVerifier implements Verifier {

    @Override
    public Verdict verify(float[][] logits, Draft draft) {
        for (int i = 0; i < draft.size(); i++) {
            int target = Argmax.of(logits[i]);
            if (target != draft.tokens()[i]) {
                return new Verdict(i, target);
            }
        }
        return new Verdict(draft.size(), Argmax.of(logits[draft.size()]));
    }
}
