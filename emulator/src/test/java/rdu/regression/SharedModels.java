package rdu.regression;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared folder beside the repository (models, run.c's golden records); these tests fail without it. */
public final class SharedModels {

    public static final String STORIES = "models/stories260K-hf";

    private SharedModels() {
    }

    public static Path root() {
        String property = System.getProperty("rdu.shared");
        if (property == null) {
            fail("system property rdu.shared is not set: run the tests through Maven");
        }
        Path root = Path.of(property);
        if (!Files.isDirectory(root.resolve(STORIES))) {
            fail("missing " + root.resolve(STORIES) + ": these tests need ../shared beside the repository");
        }
        return root;
    }
}
