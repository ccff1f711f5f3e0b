package rdu.regression;

import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Locale;

/** One way a re-run differs from its golden record. */
public sealed interface Difference {

    /** One line for a report. */
    String describe();

    /** A whole-record value differs (prompt ids, number of tokens or steps, stop reason, bytes, total time). */
    record Field(String name, String expected, String found) implements Difference {
        @Override
        public String describe() {
            return name + ": expected " + expected + ", found " + found;
        }
    }

    /** The first generated token that differs, with the text each one adds after the common tokens before it. */
    record Token(int index, int expectedId, String expectedText, int foundId, String foundText)
            implements Difference {
        @Override
        public String describe() {
            return "generated token " + index + ": expected " + expectedId + " " + TextNode.valueOf(expectedText)
                    + ", found " + foundId + " " + TextNode.valueOf(foundText);
        }
    }

    /** A decode step whose modeled time differs beyond the tolerance, or whose HBM traffic differs. */
    record Step(int step, double expectedNs, double foundNs, long expectedHbmBytes, long foundHbmBytes)
            implements Difference {

        /** |found - expected| / |expected|. */
        public double relative() {
            return Math.abs(foundNs - expectedNs) / Math.abs(expectedNs);
        }

        @Override
        public String describe() {
            var s = new StringBuilder("step " + step + ":");
            if (expectedNs != foundNs) {
                s.append(String.format(Locale.ROOT, " expected %s ns, found %s ns (relative difference %.3g)",
                        expectedNs, foundNs, relative()));
            }
            if (expectedHbmBytes != foundHbmBytes) {
                s.append(expectedNs != foundNs ? ";" : "").append(" HBM bytes expected ").append(expectedHbmBytes)
                        .append(", found ").append(foundHbmBytes);
            }
            return s.toString();
        }
    }
}
