package rdu.cli;

import picocli.CommandLine.Option;

/** {@code --spec-k}, shared by the commands that speculate. */
final class SpecKMixin {

    static final int DEFAULT_K = 4;

    @Option(names = "--spec-k", paramLabel = "K",
            description = "The longest draft a speculative step verifies (default: " + DEFAULT_K + ").")
    Integer k;

    /**
     * K as asked, or the default; refused below 1 or without a drafting method.
     *
     * @param methods the command's drafting options, for the message
     */
    int k(boolean speculating, String methods) {
        if (k != null && !speculating) {
            throw new Rdu.UsageException("--spec-k " + k + " needs a drafting method (" + methods + ")");
        }
        int value = k == null ? DEFAULT_K : k;
        if (value < 1) {
            throw new Rdu.UsageException("--spec-k must be at least 1, found " + value);
        }
        return value;
    }
}
