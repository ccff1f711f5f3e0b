package rdu.model;

import java.io.Serial;
import java.nio.file.Path;

/**
 * A checkpoint, config, tokenizer or prompt that cannot be used, said the way a user can act on:
 * which file, which field, what was expected and what was found.
 */
public class CheckpointException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Transient: Path is not serializable, and the message already names the file. */
    private final transient Path file;

    public CheckpointException(Path file, String field, String expected, String found) {
        this(file, field + ": expected " + expected + ", found " + found);
    }

    public CheckpointException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    public CheckpointException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
