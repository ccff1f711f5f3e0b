package rdu.model;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the read-only shared data (models, golden records) that the parent pom passes as system property rdu.shared. */
public final class SharedFiles {

    private SharedFiles() {
    }

    /** {@code relative} under the shared directory; fails the test (never skips it) when it is not there. */
    public static Path path(String relative) {
        String root = System.getProperty("rdu.shared");
        if (root == null) {
            fail("system property rdu.shared is not set; the parent pom sets it to ../shared for surefire");
        }
        Path path = Path.of(root).resolve(relative);
        if (!Files.exists(path)) {
            fail("missing shared file " + path + " (rdu.shared=" + root + ")");
        }
        return path;
    }

    public static Path model(String relative) {
        return path("models/" + relative);
    }
}
