package rdu.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CheckpointFilesTest {

    /** Found by SafeTensorsFileFuzzTest: zero bytes first make Jackson guess UTF-32, and its complaint is an IOException. */
    @Test
    void jsonThatLooksLikeUtf32IsInvalidJsonNotAReadError() {
        byte[] json = "\0\0\0\0{\"__metadata__\":{}}".getBytes(StandardCharsets.ISO_8859_1);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> CheckpointFiles.parseJsonObject(Path.of("m.safetensors"), "header", json));
        assertTrue(e.getMessage().startsWith("m.safetensors: header: expected a JSON object, found invalid JSON (Invalid"
                + " UTF-32 character"), e.getMessage());
        OneLineError.assertOneLine(e, json);
    }

    /** Found by CheckpointPropertyTest: Jackson's complaint about trailing tokens names its own classes. */
    @Test
    void textAfterTheObjectIsSaidWithoutJacksonsClassNames() {
        byte[] json = "{\"a\": 1}\n 2".getBytes(StandardCharsets.UTF_8);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> CheckpointFiles.parseJsonObject(Path.of("config.json"), "JSON", json));
        assertEquals("config.json: JSON: expected a JSON object, found invalid JSON (more after its end, at line 2,"
                + " column 2)", e.getMessage());
    }
}
