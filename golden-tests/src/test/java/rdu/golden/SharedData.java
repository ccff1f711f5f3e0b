package rdu.golden;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared (models, golden records); a missing file fails the test that needs it, loudly. */
final class SharedData {

    private SharedData() {
    }

    static Path root() {
        String property = System.getProperty("rdu.shared");
        if (property == null) {
            fail("system property rdu.shared is not set: run the tests through Maven (scripts/test)");
        }
        return Path.of(property);
    }

    static Path require(String relative) {
        Path path = root().resolve(relative);
        if (!Files.exists(path)) {
            fail("missing " + path + ": the golden suites need ../shared beside the repository"
                    + " (models/ and golden/ as described in DESIGN.md)");
        }
        return path;
    }
}
