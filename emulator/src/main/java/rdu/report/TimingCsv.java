package rdu.report;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import rdu.runtime.StepRecord;

/**
 * Writes one CSV row (RFC 4180: CRLF line ends, quoted fields) per generated token with the modeled time of the step
 * that committed it. A step may commit several tokens (speculation): they share its figures. The first row's end_ns
 * is the time to first token, the last row's the end-to-end time.
 */
public final class TimingCsv implements AutoCloseable {

    private static final String HEADER = "index,token_id,text,step,phase,step_tokens,drafted,accepted,step_ns,end_ns,"
            + "hbm_bytes,kernel_calls";

    private final Path file;
    private final BufferedWriter out;

    public TimingCsv(Path file) {
        this.file = file;
        try {
            out = Files.newBufferedWriter(file);
            out.write(HEADER + "\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    public void row(int index, int tokenId, String text, StepRecord step) {
        try {
            out.write(index + "," + tokenId + "," + quote(text) + "," + step.index() + ","
                    + step.step().passes().getFirst().phase().name().toLowerCase(Locale.ROOT) + "," + step.tokens()
                    + "," + step.step().drafted() + "," + step.step().accepted() + "," + plain(step.durationNs()) + ","
                    + plain(step.endNs()) + "," + step.hbmBytes() + "," + step.kernelCalls() + "\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    /** Plain digits, no trailing ".0": Double.toString switches to 1.0E7 notation from 10 ms on. */
    private static String plain(double ns) {
        return BigDecimal.valueOf(ns).stripTrailingZeros().toPlainString();
    }

    /** Token text can hold anything: a field with a comma, quote or line break is quoted, its quotes doubled. */
    private static String quote(String field) {
        if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\n') < 0 && field.indexOf('\r') < 0) {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }
}
