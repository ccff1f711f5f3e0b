package rdu.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a parser's refusal of bad input must look like to a user, checked by the fuzz and property tests of every
 * parser: one non-blank line, without a package-qualified Java class name unless the message quotes it from the input.
 */
public final class OneLineError {

    /** A package-qualified class name: java.io.IOException, com.fasterxml.jackson.databind.JsonNode. */
    private static final Pattern QUALIFIED_CLASS_NAME = Pattern.compile("\\b[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\.[A-Z]\\w*");

    private OneLineError() {
    }

    /**
     * Runs {@code parse} of {@code input}, which may return or throw {@code refusal} with one line; any other exception
     * goes on to fail the test.
     */
    public static void assertReturnsOrRefuses(Class<? extends RuntimeException> refusal, byte[] input, Runnable parse) {
        try {
            parse.run();
        } catch (RuntimeException e) {
            if (!refusal.isInstance(e)) {
                throw e;
            }
            assertOneLine(e, input);
        }
    }

    public static void assertOneLine(RuntimeException refusal, byte[] input) {
        String message = refusal.getMessage();
        assertNotNull(message, "a refusal without a message");
        assertFalse(message.isBlank(), "a blank message");
        assertFalse(message.contains("\n") || message.contains("\r"), () -> "more than one line: " + message);
        String text = new String(input, StandardCharsets.UTF_8);
        Matcher className = QUALIFIED_CLASS_NAME.matcher(message);
        while (className.find()) {
            String name = className.group();
            assertTrue(text.contains(name), () -> "a Java class name (" + name + "): " + message);
        }
    }
}
