package rdu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelLocatorTest {

    @Test
    void givenModelIsUsedAsIs() {
        assertEquals(Path.of("some/model"), ModelLocator.locate(Path.of("some/model")));
    }

    @Test
    void emptyModelPathIsRefusedNotTakenForTheWorkingDirectory() {
        // Path.of("") is the working directory: opening it would blame "" for lacking config.json.
        Rdu.UsageException e = assertThrows(Rdu.UsageException.class, () -> ModelLocator.locate(Path.of("")));
        assertEquals("--model: expected a path (a model directory, .safetensors or .bin file), found an empty string",
                e.getMessage());
    }
}
