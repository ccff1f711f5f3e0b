package rdu.moe;

/**
 * How many experts a batch touches in one Mixture-of-Experts layer, which sets the expert bytes a decode step
 * streams. Each token picks its top k of E experts; assuming uniform, independent routing, one token misses a given
 * expert with probability 1 - k/E, so the expected number of distinct experts B tokens touch is
 * <pre>D(B) = E * (1 - (1 - k/E)^B)</pre>
 * D(1) = k, and D grows towards E with the batch. Real routers favour some experts, so they touch fewer than this.
 */
public final class ExpertLoad {

    private ExpertLoad() {
    }

    /** D(B): the expected distinct experts {@code batch} tokens touch, each routed to {@code topK} of them. */
    public static double distinctExperts(int experts, int topK, int batch) {
        if (experts < 1 || topK < 1 || topK > experts || batch < 1) {
            throw new IllegalArgumentException("need 1 <= topK <= experts and batch >= 1, found experts " + experts
                    + ", topK " + topK + ", batch " + batch);
        }
        return experts * (1 - Math.pow(1 - (double) topK / experts, batch));
    }

    /**
     * The experts the busiest socket touches when each socket holds {@code held} of the {@code experts}. A socket
     * holding all of them (tensor parallelism: a slice of each) touches D(B); one holding whole experts (expert
     * parallelism) touches its share D(B) * held / E, rounded up to whole experts. That rounding is the only load
     * imbalance modeled: at batch 1 a socket streams a whole expert while most stream none.
     */
    public static double busiestSocket(int experts, int topK, int batch, int held) {
        if (held < 1 || held > experts) {
            throw new IllegalArgumentException("held experts must be in [1, " + experts + "], found " + held);
        }
        double touched = distinctExperts(experts, topK, batch);
        return held == experts ? touched : Math.min(held, Math.ceil(touched * held / experts));
    }
}
