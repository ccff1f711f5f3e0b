package rdu.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;

/**
 * What a parser's refusal of bad input must look like to a user, checked by the fuzz and property tests of every
 * parser: one non-blank line, without a Java class name (the message may quote the input, which may contain one).
 */
public final class OneLineError {

    private OneLineError() {
    }

    public static void assertOneLine(RuntimeException refusal, byte[] input) {
        String message = refusal.getMessage();
        assertNotNull(message, "a refusal without a message");
        assertFalse(message.isBlank(), "a blank message");
        assertFalse(message.contains("\n") || message.contains("\r"), () -> "more than one line: " + message);
        boolean inputNamesJava = new String(input, StandardCharsets.ISO_8859_1).contains("java.");
        assertFalse(message.contains("java.") && !inputNamesJava, () -> "a Java class name: " + message);
    }
}
