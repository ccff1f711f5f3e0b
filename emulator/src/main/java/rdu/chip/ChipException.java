package rdu.chip;

import rdu.model.CheckpointException;

/** A chip description that cannot be used: which file, what is wrong, what was expected. */
public class ChipException extends RuntimeException {

    public ChipException(String origin, String message) {
        super(origin + ": " + message);
    }

    /** A chip file the loaders' reader refused (unreadable, not a regular file, too large, not one JSON object). */
    public ChipException(CheckpointException unreadable) {
        super(unreadable.getMessage(), unreadable);
    }
}
