package rdu.memory;

import java.util.Locale;

/** Something does not fit in emulated memory: says what, how many bytes it needs, how many are free, the shortfall. */
public class CapacityException extends RuntimeException {

    public CapacityException(String what, long needed, long available) {
        super(String.format(Locale.ROOT, "%s: needs %,d bytes (%.2f GB), %,d bytes (%.2f GB) available, short by"
                + " %,d bytes (%.2f GB)", what, needed, needed / 1e9, available, available / 1e9, needed - available,
                (needed - available) / 1e9));
    }
}
