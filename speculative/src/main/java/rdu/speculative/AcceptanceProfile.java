package rdu.speculative;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;

/**
 * How often a target accepts each position of a draft, for timing-only runs that commit tokens without generating
 * them. {@code rates.get(i)} is the CONDITIONAL probability that draft token i (0-based; p_(i+1) in the usual
 * notation) is accepted given that the tokens before it were, so a step with draft length k commits
 * {@link #expectedCommitted E(k)} = 1 + sum over i < k of p_1 * ... * p_(i+1) tokens on average; the 1 is the
 * target's own token after the accepted ones.
 *
 * <p>A profile of one value is a RATE: every position gets it, for any k. That is the i.i.d. assumption of the
 * speculative-decoding papers (each draft token accepted independently with the same probability), which real pairs
 * only approximate: acceptance usually falls along the draft. A profile of several values gives exactly that many
 * positions; asking for a longer draft is an error, since nothing says what the later positions would accept.
 *
 * @param source where the rates come from, for messages: a file name, or "rate 0.8"
 * @param rates one probability in [0, 1] for every position, or one per position
 */
public record AcceptanceProfile(String source, List<Double> rates) {

    /** A profile file is a short list of numbers; a larger file is not one, and must not make us allocate it. */
    public static final long MAX_FILE_BYTES = 1L << 20;

    /** A plain decimal number, as people and {@link Double#toString} write them (no hex, no "Infinity", no "0.5d"). */
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
    /** Between numbers: whitespace, commas, or both. */
    private static final Pattern SEPARATORS = Pattern.compile("[\\s,]+");

    public AcceptanceProfile {
        rates = List.copyOf(rates);
        if (rates.isEmpty()) {
            throw new IllegalArgumentException(source + ": an acceptance profile needs at least one probability");
        }
        for (double rate : rates) {
            if (!(rate >= 0 && rate <= 1)) {
                throw new IllegalArgumentException(source + ": expected a probability in [0, 1], found " + rate);
            }
        }
    }

    /** Every draft position accepted with the same probability, independently of the others (the i.i.d. model). */
    public static AcceptanceProfile rate(double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("acceptance rate: expected a probability in [0, 1], found " + rate);
        }
        return new AcceptanceProfile("rate " + rate, List.of(rate));
    }

    /**
     * A RATE when the argument is a number ("0.8"), else the profile FILE it names: what {@code --acceptance
     * RATE|FILE} takes. A bad rate throws IllegalArgumentException, a bad file CheckpointException.
     */
    public static AcceptanceProfile of(String rateOrFile) {
        String text = rateOrFile.strip();
        if (NUMBER.matcher(text).matches() || text.equalsIgnoreCase("nan")) {
            return rate(Double.parseDouble(text));
        }
        return read(Path.of(rateOrFile));
    }

    /**
     * Reads a profile file: probabilities separated by whitespace, commas or newlines, in draft order; '#' starts a
     * comment that runs to the end of its line (so a file can say where its numbers come from). Only a regular file
     * of at most {@link #MAX_FILE_BYTES} is read.
     */
    public static AcceptanceProfile read(Path file) {
        return parse(file, new String(CheckpointFiles.readBytes(file, MAX_FILE_BYTES), StandardCharsets.UTF_8));
    }

    /** Parses the text of a profile file ({@link #read}); {@code file} names it in messages (e.g. a resource). */
    public static AcceptanceProfile parse(Path file, String text) {
        List<Double> rates = new ArrayList<>();
        // an editor's byte-order mark is not part of the first number
        String[] lines = (text.startsWith("\uFEFF") ? text.substring(1) : text).split("\n", -1);
        for (int line = 1; line <= lines.length; line++) {
            String content = lines[line - 1];
            int comment = content.indexOf('#');
            if (comment >= 0) {
                content = content.substring(0, comment);
            }
            for (String token : SEPARATORS.split(content.strip())) {
                if (!token.isEmpty()) {
                    rates.add(probability(file, line, token));
                }
            }
        }
        if (rates.isEmpty()) {
            throw new CheckpointException(file, "no acceptance probabilities: expected numbers in [0, 1] separated by"
                    + " spaces, commas or newlines ('#' starts a comment)");
        }
        return new AcceptanceProfile(file.toString(), rates);
    }

    private static double probability(Path file, int line, String token) {
        String field = "line " + line;
        String expected = "a probability in [0, 1]";
        if (token.equalsIgnoreCase("nan")) {
            throw new CheckpointException(file, field, expected, token + " (not a number)");
        }
        if (!NUMBER.matcher(token).matches()) {
            String shown = token.length() > 40 ? token.substring(0, 37) + "..." : token;
            throw new CheckpointException(file, field, expected, CheckpointFiles.quoted(shown) + " (not a number)");
        }
        double value = Double.parseDouble(token);
        if (!(value >= 0 && value <= 1)) {
            throw new CheckpointException(file, field, expected, token + " (outside [0, 1])");
        }
        return value;
    }

    /** How many draft positions the profile gives; a single value applies to every position. */
    public int positions() {
        return rates.size();
    }

    /** The conditional acceptance probability of draft position i (0-based); k > i must be {@link #covers covered}. */
    public double rateAt(int position) {
        return rates.size() == 1 ? rates.getFirst() : rates.get(position);
    }

    /** Whether the profile says what every position of a k-token draft accepts: a single value, or k values or more. */
    public boolean covers(int k) {
        return rates.size() == 1 || k <= rates.size();
    }

    /**
     * The mean tokens a step commits with draft length k: 1 + sum over i < k of prod over j <= i of p_j. Call it once
     * before a run to check k: a k below 1, or beyond the positions the profile gives, is refused in one line.
     */
    public double expectedCommitted(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("draft length k must be at least 1, found " + k);
        }
        if (!covers(k)) {
            throw new IllegalArgumentException(source + " gives acceptance probabilities for " + rates.size()
                    + " draft positions, but k = " + k + " needs " + k + " (a profile of one value applies to any k)");
        }
        double expected = 1;
        double reached = 1; // probability that every position so far was accepted
        for (int i = 0; i < k; i++) {
            reached *= rateAt(i);
            expected += reached;
        }
        return expected;
    }

    /**
     * The tokens a timing-only run commits at step s (from 0) with draft length k: floor((s + 1) E) - floor(s E),
     * E = {@link #expectedCommitted}(k). Each is floor(E) or ceil(E), so within 1..k+1; the first n steps commit
     * floor(n E) tokens, so the mean is within 1/n of E and equals it in the limit, with no randomness. Computed
     * exactly (decimal arithmetic on E's binary value): rounding cannot make a step commit more than ceil(E).
     */
    public int committedAt(long step, int k) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, found " + step);
        }
        BigDecimal expected = new BigDecimal(expectedCommitted(k));
        BigDecimal before = expected.multiply(BigDecimal.valueOf(step)).setScale(0, RoundingMode.FLOOR);
        BigDecimal after = expected.multiply(BigDecimal.valueOf(step).add(BigDecimal.ONE))
                .setScale(0, RoundingMode.FLOOR);
        return after.subtract(before).intValueExact();
    }

    /**
     * The paper's acceptance rate AR = (a + 1) / (k + 1), with a = E(k) - 1 the mean accepted draft tokens of a
     * step: the share of the k + 1 positions a verify pass computes that end up committed.
     */
    public double acceptanceRate(int k) {
        return expectedCommitted(k) / (k + 1);
    }

    /**
     * Writes the profile as a file {@link #read} reads back to the same rates: {@code header}'s lines as '#' comments
     * (where the numbers come from), then one probability a line.
     */
    public void write(Path file, String header) {
        StringBuilder text = new StringBuilder();
        for (String line : header.split("\\R", -1)) {
            text.append(line.isEmpty() ? "#" : "# " + line).append('\n');
        }
        for (double rate : rates) {
            text.append(rate).append('\n');
        }
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the acceptance profile " + file, e);
        }
    }
}
