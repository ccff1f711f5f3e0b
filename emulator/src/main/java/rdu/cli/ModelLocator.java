package rdu.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Decides which model to run when the user does not say: --model, else $RDU_MODEL, else the shared
 * stories260K-hf model beside the repository, else an explanation of how to get one.
 */
final class ModelLocator {

    static final String DEFAULT_SHARED_MODEL = "models/stories260K-hf";

    private ModelLocator() {
    }

    static Path locate(Path modelOption) {
        if (modelOption != null) {
            if (modelOption.toString().isEmpty()) { // Path.of("") is the working directory, not what the user meant
                throw new Rdu.UsageException("--model: expected a path (a model directory, .safetensors or .bin file),"
                        + " found an empty string");
            }
            return modelOption;
        }
        String env = System.getenv("RDU_MODEL");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        Path shared = sharedDirectory().resolve(DEFAULT_SHARED_MODEL);
        if (Files.isDirectory(shared)) {
            return shared;
        }
        throw new Rdu.UsageException("no model given and none found. Pass --model PATH (a Hugging Face model"
                + " directory, a .safetensors file with config.json and tokenizer.json beside it, or a llama2.c .bin"
                + " with its tokenizer beside it), or set RDU_MODEL, or download one with"
                + " 'scripts/fetch-model OWNER/NAME' (e.g. scripts/fetch-model HuggingFaceTB/SmolLM-135M)."
                + " Looked for the default model at " + shared);
    }

    /** The project's shared data: -Drdu.shared, else $RDU_SHARED, else ../shared from the working directory. */
    static Path sharedDirectory() {
        String property = System.getProperty("rdu.shared");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String env = System.getenv("RDU_SHARED");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of("..", "shared");
    }
}
