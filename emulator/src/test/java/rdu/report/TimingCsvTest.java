package rdu.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.runtime.Step;
import rdu.runtime.StepRecord;
import rdu.timing.Pass;
import rdu.timing.StepTiming;

class TimingCsvTest {

    @TempDir
    Path dir;

    private static StepRecord step(int index, double durationNs, long hbmBytes, int kernelCalls) {
        var pass = new Pass(index == 0 ? Pass.Phase.PREFILL : Pass.Phase.DECODE, index, 1);
        var timing = new StepTiming(index, pass, 1000, 1000 + durationNs, hbmBytes, 0, kernelCalls, 0, List.of());
        return new StepRecord(index, new Step(List.of(pass), new int[] {7}, null, 0, 0), List.of(timing), index, 0);
    }

    @Test
    void rowsParseBackWithAwkwardTextIntact() throws IOException {
        Path file = dir.resolve("timing.csv");
        try (var csv = new TimingCsv(file)) {
            csv.row(0, 42, " plain", step(0, 812_345.5, 1_200_000, 4));
            csv.row(1, 7, "a, \"quoted\"\nline\r\nbreak", step(1, 15_000_000, 3, 1));
            csv.row(2, 9, "", step(2, 0, 0, 0));
        }
        List<List<String>> rows = parse(Files.readString(file));
        assertEquals(List.of(
                List.of("index", "token_id", "text", "step", "phase", "step_tokens", "drafted", "accepted", "step_ns",
                        "end_ns", "hbm_bytes", "kernel_calls"),
                List.of("0", "42", " plain", "0", "prefill", "1", "0", "0", "812345.5", "813345.5", "1200000", "4"),
                List.of("1", "7", "a, \"quoted\"\nline\r\nbreak", "1", "decode", "1", "0", "0", "15000000",
                        "15001000", "3", "1"),
                List.of("2", "9", "", "2", "decode", "1", "0", "0", "0", "1000", "0", "0")), rows);
    }

    @Test
    void onlyFieldsThatNeedItAreQuotedAndQuotesAreDoubled() throws IOException {
        Path file = dir.resolve("quoting.csv");
        try (var csv = new TimingCsv(file)) {
            csv.row(0, 1, "it's", step(0, 1000, 64, 4));
            csv.row(1, 2, "say \"hi\"", step(1, 1000, 64, 4));
            csv.row(2, 3, ",", step(2, 1000, 64, 4));
        }
        assertEquals("index,token_id,text,step,phase,step_tokens,drafted,accepted,step_ns,end_ns,hbm_bytes,"
                + "kernel_calls\r\n"
                + "0,1,it's,0,prefill,1,0,0,1000,2000,64,4\r\n"
                + "1,2,\"say \"\"hi\"\"\",1,decode,1,0,0,1000,2000,64,4\r\n"
                + "2,3,\",\",2,decode,1,0,0,1000,2000,64,4\r\n", Files.readString(file));
    }

    /** RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks; records end in CRLF. */
    private static List<List<String>> parse(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        var field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && text.charAt(i + 1) == '\n') {
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                i++;
            } else {
                field.append(c);
            }
        }
        assertEquals(0, field.length() + row.size(), "the file ends with a complete record");
        return rows;
    }
}
