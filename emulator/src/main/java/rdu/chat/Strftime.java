package rdu.chat;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * Python's {@code datetime.strftime} on a naive local time, in the C locale Hugging Face renders under: the C89 codes,
 * {@code %f}, and glibc's {@code -} flag (no padding) on numbers. {@code %z} and {@code %Z} print nothing (a naive
 * time has no zone) and an unknown code prints as it is, as glibc does.
 */
final class Strftime {

    private Strftime() {
    }

    static String format(LocalDateTime t, String format) {
        var out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            boolean unpadded = format.charAt(i + 1) == '-' && i + 2 < format.length();
            char code = format.charAt(unpadded ? i + 2 : i + 1);
            String field = field(t, code, unpadded);
            if (field == null) {
                out.append(c);
                continue;
            }
            out.append(field);
            i += unpadded ? 2 : 1;
        }
        return out.toString();
    }

    /** One code's text, or null when the code is not one strftime knows. */
    private static String field(LocalDateTime t, char code, boolean unpadded) {
        int weekdayFromSunday = t.getDayOfWeek().getValue() % 7;
        int yearDay = t.getDayOfYear() - 1;
        return switch (code) {
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US);
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.US);
            case 'c' -> format(t, "%a %b %e %H:%M:%S %Y");
            case 'd' -> number(t.getDayOfMonth(), 2, unpadded);
            case 'e' -> unpadded ? number(t.getDayOfMonth(), 1, true) : String.format(Locale.ROOT, "%2d",
                    t.getDayOfMonth());
            case 'f' -> number(t.get(ChronoField.MICRO_OF_SECOND), 6, unpadded);
            case 'H' -> number(t.getHour(), 2, unpadded);
            case 'I' -> number((t.getHour() + 11) % 12 + 1, 2, unpadded);
            case 'j' -> number(t.getDayOfYear(), 3, unpadded);
            case 'm' -> number(t.getMonthValue(), 2, unpadded);
            case 'M' -> number(t.getMinute(), 2, unpadded);
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'S' -> number(t.getSecond(), 2, unpadded);
            case 'U' -> number((yearDay + 7 - weekdayFromSunday) / 7, 2, unpadded);
            case 'w' -> String.valueOf(weekdayFromSunday);
            case 'W' -> number((yearDay + 7 - (weekdayFromSunday + 6) % 7) / 7, 2, unpadded);
            case 'x' -> format(t, "%m/%d/%y");
            case 'X' -> format(t, "%H:%M:%S");
            case 'y' -> number(t.getYear() % 100, 2, unpadded);
            case 'Y' -> String.valueOf(t.getYear());
            case 'z', 'Z' -> "";
            case '%' -> "%";
            default -> null;
        };
    }

    private static String number(int value, int width, boolean unpadded) {
        return unpadded ? String.valueOf(value) : String.format(Locale.ROOT, "%0" + width + "d", value);
    }
}
