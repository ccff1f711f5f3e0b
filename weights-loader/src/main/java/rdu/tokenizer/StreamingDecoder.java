package rdu.tokenizer;

/**
 * Turns generated ids into bytes as they arrive, never emitting part of a UTF-8 character:
 * bytes of an incomplete character (e.g. the first of two byte-fallback tokens) are held back
 * until the character is complete.
 */
public interface StreamingDecoder {

    /** Bytes that are ready to print after adding {@code id}; possibly empty. */
    byte[] next(int id);

    /** Whatever is still held back at the end of generation (an incomplete character, as is). */
    byte[] finish();
}
