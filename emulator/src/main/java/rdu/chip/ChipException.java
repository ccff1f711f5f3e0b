package rdu.chip;

/** A chip description that cannot be used: which file, what is wrong, what was expected. */
public class ChipException extends RuntimeException {

    public ChipException(String origin, String message) {
        super(origin + ": " + message);
    }
}
