package rdu.moe;

import java.util.List;
import java.util.Map;

/**
 * The experts a router really chose in one pass over a checkpoint's weights: for each Mixture-of-Experts layer, the
 * distinct experts any row of the pass chose, in increasing order. The timing model streams exactly these experts'
 * weights in that pass. A timing-only run has no router: its passes choose none ({@link #NONE}), and the timing model
 * takes the expected experts from {@link ExpertRouting} instead.
 *
 * @param byLayer decoder layer number to the experts its router chose
 */
public record ChosenExperts(Map<Integer, List<Integer>> byLayer) {

    /** A pass no router ran in: a dense model's, or a timing-only run's. */
    public static final ChosenExperts NONE = new ChosenExperts(Map.of());

    public ChosenExperts {
        byLayer = Map.copyOf(byLayer);
    }

    /** The experts layer {@code layer}'s router chose in the pass, or null if no router ran there. */
    public List<Integer> of(int layer) {
        return byLayer.get(layer);
    }
}
