package rdu.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

/** Python's strftime in the C locale, checked against the renderings the Python documentation gives. */
class StrftimeTest {

    /** The codes chat templates use: Llama 3.x's "%d %b %Y" (its fallback is "26 Jul 2024") and ISO dates. */
    @Test
    void theDatesChatTemplatesWrite() {
        var day = LocalDateTime.of(2024, 7, 26, 0, 0);
        assertEquals("26 Jul 2024", Strftime.format(day, "%d %b %Y"));
        assertEquals("2024-07-26", Strftime.format(day, "%Y-%m-%d"));
        assertEquals("05 Mar 2025", Strftime.format(LocalDateTime.of(2025, 3, 5, 0, 0), "%d %b %Y"), "zero-padded");
    }

    /** The datetime documentation's examples (format codes table, en_US, and datetime.strftime's example). */
    @Test
    void thePythonDocumentationsExamples() {
        var docs = LocalDateTime.of(2006, 11, 21, 16, 30);
        assertEquals("Tuesday, 21. November 2006 04:30PM", Strftime.format(docs, "%A, %d. %B %Y %I:%M%p"));
        var table = LocalDateTime.of(1988, 8, 16, 21, 30);
        assertEquals("Tue Aug 16 21:30:00 1988|08/16/88|21:30:00", Strftime.format(table, "%c|%x|%X"));
        assertEquals("Tue Tuesday 2 16 Aug August 08 88 1988 21 09 PM 30 00 000000 229 33 33 % ||",
                Strftime.format(table, "%a %A %w %d %b %B %m %y %Y %H %I %p %M %S %f %j %U %W %% |%z%Z|"));
    }

    /** Week numbers around new year (as CPython gives them): weeks start on Sunday (%U) or Monday (%W). */
    @Test
    void weekNumbersAtTheTurnOfTheYear() {
        assertEquals("00 01 1 001", Strftime.format(LocalDateTime.of(2024, 1, 1, 0, 0), "%U %W %w %j"));
        assertEquals("01 00 0 001", Strftime.format(LocalDateTime.of(2023, 1, 1, 0, 0), "%U %W %w %j"));
        assertEquals("52 52 6 365", Strftime.format(LocalDateTime.of(2022, 12, 31, 0, 0), "%U %W %w %j"));
        assertEquals("01 00 0 003", Strftime.format(LocalDateTime.of(2021, 1, 3, 0, 0), "%U %W %w %j"));
    }

    /** glibc's extensions Python passes through: no padding with "-", a space-padded day, unknown codes as they are. */
    @Test
    void glibcFlagsAndUnknownCodes() {
        var t = LocalDateTime.of(2024, 1, 5, 7, 8, 9);
        assertEquals("5 1 7 8 9 5| 5|%Q|100%", Strftime.format(t, "%-d %-m %-H %-M %-S %-j|%e|%Q|100%"));
    }
}
