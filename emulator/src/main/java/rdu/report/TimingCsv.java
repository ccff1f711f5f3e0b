package rdu.report;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import rdu.timing.StepTiming;

/** Writes one CSV row (RFC 4180: CRLF line ends, quoted fields) per generated token with its modeled time. */
public final class TimingCsv implements AutoCloseable {

    private static final String HEADER = "index,token_id,text,modeled_ns,hbm_bytes,kernel_calls";

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

    public void row(int index, int tokenId, String text, StepTiming timing) {
        try {
            // plain digits, no trailing ".0": Double.toString switches to 1.0E7 notation from 10 ms on
            out.write(index + "," + tokenId + "," + quote(text) + ","
                    + BigDecimal.valueOf(timing.durationNs()).stripTrailingZeros().toPlainString() + "," + timing.hbmBytes() + ","
                    + timing.kernelCalls() + "\r\n");
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

    /** Token text can hold anything: a field with a comma, quote or line break is quoted, its quotes doubled. */
    private static String quote(String field) {
        if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\n') < 0 && field.indexOf('\r') < 0) {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }
}
