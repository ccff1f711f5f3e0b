package rdu.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --model}, shared by the commands that run a checkpoint on real weights (generate, chat). */
final class ModelMixin {

    @Option(names = "--model", paramLabel = "PATH",
            description = {"A Hugging Face model directory, a .safetensors file with config.json and tokenizer.json"
                    + " beside it, or a llama2.c .bin with its tokenizer beside it.",
                    "Default: $RDU_MODEL, else ../shared/" + ModelLocator.DEFAULT_SHARED_MODEL + "."})
    Path path;

    /** The model asked for, or the default one. */
    Path locate() {
        return ModelLocator.locate(path);
    }
}
