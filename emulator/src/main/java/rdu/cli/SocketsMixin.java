package rdu.cli;

import picocli.CommandLine.Option;

/** {@code --sockets}, the one declaration of it for every command that splits a model over sockets. */
final class SocketsMixin {

    @Option(names = "--sockets", paramLabel = "N", defaultValue = "1",
            description = "Split the model over N sockets by tensor parallelism (default: ${DEFAULT-VALUE}); on real"
                    + " weights the tokens are the same, the modeled time changes.")
    int count;

    /** The sockets asked for, at least 1. */
    int count() {
        if (count < 1) {
            throw new Rdu.UsageException("--sockets must be at least 1, found " + count);
        }
        return count;
    }
}
