package rdu.convert;

/** A conversion refused before it wrote anything the user would see (an existing output, a source it cannot read). */
public final class ConversionException extends RuntimeException {

    public ConversionException(String message) {
        super(message);
    }
}
