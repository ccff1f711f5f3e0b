package rdu.model;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import rdu.llama2c.Llama2cCheckpoint;
import rdu.safetensors.SafeTensorsDirectory;
import rdu.tensor.Tensor;
import rdu.tokenizer.HfTokenizer;
import rdu.tokenizer.Llama2cTokenizer;
import rdu.tokenizer.MissingTokenizer;
import rdu.tokenizer.Tokenizer;

/**
 * A model ready to run: config, weights mapped into {@code arena}, tokenizer. Closing it frees the tokenizer and
 * unmaps the files, after which the weights must not be touched.
 *
 * @param source the path it was opened from
 */
public record Checkpoint(Path source, ModelConfig config, ModelWeights weights, Tokenizer tokenizer, Arena arena)
        implements AutoCloseable {

    private static final String WHAT_PATH_MAY_BE = "PATH may be a Hugging Face model directory (config.json, "
            + SafeTensorsDirectory.SINGLE_FILE + " or " + SafeTensorsDirectory.INDEX_FILE + ", tokenizer.json), "
            + "a .safetensors file with config.json and tokenizer.json beside it, "
            + "or a llama2.c .bin file with tokenizer.bin or one tok*.bin beside it";

    /**
     * Opens a Hugging Face model directory, a single .safetensors file with config.json and tokenizer.json beside it,
     * or a llama2.c .bin file with its tokenizer beside it.
     */
    public static Checkpoint open(Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (Files.isDirectory(path) && Files.exists(path.resolve("config.json"))) {
            return openHf(path, path);
        }
        if (Files.isRegularFile(path) && name.endsWith(".safetensors")) {
            return openHf(path, path.toAbsolutePath().getParent());
        }
        if (Files.isRegularFile(path) && name.endsWith(".bin")) {
            return openLlama2c(path);
        }
        String problem = !Files.exists(path) ? "no such file or directory"
                : Files.isDirectory(path) ? "a directory without config.json" : "not a checkpoint";
        throw new CheckpointException(path, problem + "; " + WHAT_PATH_MAY_BE);
    }

    /**
     * {@code source} is the model directory or one .safetensors file; {@code dir} holds config.json and, unless the
     * model's prompts are token ids, tokenizer.json.
     */
    private static Checkpoint openHf(Path source, Path dir) {
        ModelConfig config = HfConfig.read(dir.resolve("config.json"));
        Path tokenizerJson = dir.resolve("tokenizer.json");
        Arena arena = Arena.ofShared(); // shared: kernels read the weights from many threads
        try {
            Map<String, Tensor> tensors = SafeTensorsDirectory.open(source, arena);
            ModelWeights weights = HfWeights.assemble(tensors, config, source, arena);
            // without tokenizer.json the model still runs on prompts given as token ids
            Tokenizer tokenizer = Files.exists(tokenizerJson) ? HfTokenizer.open(tokenizerJson, config.vocabSize())
                    : new MissingTokenizer(tokenizerJson, config.vocabSize());
            return new Checkpoint(source, config, weights, tokenizer, arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Checkpoint openLlama2c(Path file) {
        Arena arena = Arena.ofShared(); // shared: kernels read the weights from many threads
        try {
            Llama2cCheckpoint checkpoint = Llama2cCheckpoint.read(file, arena);
            Tokenizer tokenizer = Llama2cTokenizer.read(Llama2cCheckpoint.tokenizerBeside(file),
                    checkpoint.config().vocabSize());
            return new Checkpoint(file, checkpoint.config(), checkpoint.weights(), tokenizer, arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            tokenizer.close();
        } finally {
            arena.close();
        }
    }
}
