package rdu.regression;

import java.io.Serial;
import java.nio.file.Path;
import rdu.model.CheckpointException;

/** A golden file or prompts file that cannot be used, said with the file, the line and the field at fault. */
public class GoldenFileException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    public GoldenFileException(Path file, String message) {
        super(file + ": " + message);
    }

    /** A file the loaders' reader refused (missing, unreadable, not a regular file, too large): its message as is. */
    public GoldenFileException(CheckpointException unreadable) {
        super(unreadable.getMessage(), unreadable);
    }

    public GoldenFileException(Path file, int line, String message) {
        super(file + " line " + line + ": " + message);
    }
}
