package rdu.moe;

/**
 * What the busiest socket does in one Mixture-of-Experts layer for one pass, in expectation (see
 * {@link ExpertRouting#busiestSocket}).
 *
 * @param experts the experts it touches, whose weights (or slices) it streams
 * @param pairs   the token-expert pairs it computes: each token times each of its experts held there
 */
public record ExpertLoad(double experts, double pairs) {
}
