package rdu.cli;

import picocli.CommandLine.Option;
import rdu.sampling.Sampler;

/** How many tokens to generate and how each is chosen, shared by the commands that generate (generate, chat). */
final class DecodingMixin {

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "256",
            description = "Stop after N generated tokens (default: ${DEFAULT-VALUE}; in a chat, per answer); also stops"
                    + " at the model's stop token or when the context is full.")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
            description = "Sampling temperature; 0 = greedy argmax (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0",
            description = "Sample only among the K most likely tokens; 0 = no limit (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1",
            description = "Nucleus sampling: the smallest set of tokens whose probability exceeds P; 1 = off"
                    + " (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Random seed for sampling; the same seed gives the same text (default: ${DEFAULT-VALUE}).")
    long seed;

    /** --max-tokens, refused below 0. */
    int maxTokens() {
        if (maxTokens < 0) {
            throw new Rdu.UsageException("--max-tokens must be >= 0, found " + maxTokens);
        }
        return maxTokens;
    }

    /** The sampler these options describe; values it refuses are a usage error. */
    Sampler sampler() {
        try {
            return new Sampler(temperature, topK, topP, seed);
        } catch (IllegalArgumentException e) {
            throw new Rdu.UsageException(e.getMessage());
        }
    }
}
