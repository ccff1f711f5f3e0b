package rdu.speculative;

/**
 * What the target made of a draft: the first accepted draft tokens are committed, then the target's own next
 * token, which replaces the first rejected draft token or, if all were accepted, follows the last one.
 * A step therefore always commits accepted + 1 tokens.
 *
 * @param accepted how many leading draft tokens the target accepted
 * @param next the token the target commits after them
 */
public record Verdict(int accepted, int next) {
}
