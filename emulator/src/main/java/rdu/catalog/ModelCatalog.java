package rdu.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face config.json files of the models the SN40L papers evaluate, and of a model of each of the families Gemma
 * 2, Phi-3 and StarCoder2, shipped with the emulator for timing-only runs (sources in rdu/catalog/SOURCES.md). A name
 * that is not in the catalog is taken as a path to a config.json.
 */
public final class ModelCatalog {

    public static final List<String> NAMES = List.of("llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b",
            "llama-3.2-1b", "llama-3.2-3b", "qwen2.5-0.5b", "qwen2.5-72b", "llama-2-7b", "llama-2-70b", "mistral-7b",
            "mixtral-8x7b", "llama-4-maverick", "gpt-oss-120b", "deepseek-r1", "gemma-2-9b", "phi-3-mini",
            "starcoder2-7b");

    private ModelCatalog() {
    }

    /** The config.json of a catalog model, or {@code nameOrPath} itself as a file path. */
    public static Path config(String nameOrPath) {
        if (!NAMES.contains(nameOrPath)) {
            Path path = Path.of(nameOrPath);
            return Files.isDirectory(path) ? path.resolve("config.json") : path;
        }
        var url = ModelCatalog.class.getResource(nameOrPath + "/config.json");
        if (url == null) {
            throw new IllegalStateException("catalog entry " + nameOrPath + " is missing from the build");
        }
        try {
            URI uri = url.toURI();
            if (uri.getScheme().equals("jar")) {
                try {
                    FileSystems.newFileSystem(uri, Map.of());
                } catch (FileSystemAlreadyExistsException alreadyOpen) {
                    // opened by an earlier lookup: Path.of below finds it
                }
            }
            return Path.of(uri);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad catalog resource URL " + url, e);
        } catch (IOException e) {
            throw new UncheckedIOException("opening the catalog in " + url, e);
        }
    }
}
