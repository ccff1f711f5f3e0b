package rdu.memory;

import java.util.Locale;

/** Something does not fit in emulated memory: says what, how many bytes it needs, how many are free, the shortfall. */
public class CapacityException extends RuntimeException {

    /** @param needed Long.MAX_VALUE when the bytes needed are more than a long counts */
    public CapacityException(String what, long needed, long available) {
        super(needed == Long.MAX_VALUE
                ? String.format(Locale.ROOT, "%s: needs more than %,d bytes, %,d bytes (%.2f GB) available", what,
                        needed, available, available / 1e9)
                : String.format(Locale.ROOT, "%s: needs %,d bytes (%.2f GB), %,d bytes (%.2f GB) available, short by"
                        + " %,d bytes (%.2f GB)", what, needed, needed / 1e9, available, available / 1e9,
                        needed - available, (needed - available) / 1e9));
    }
}
