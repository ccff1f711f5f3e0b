package rdu.hbm;

/** Something does not fit in a socket's HBM: says what, how many bytes it needs and how many are free. */
public class HbmCapacityException extends RuntimeException {

    public HbmCapacityException(int socket, String what, long needed, long available) {
        super(String.format("%s does not fit in the HBM of socket %d: needs %,d bytes (%.2f GB), %,d bytes (%.2f GB)"
                + " available, short by %,d bytes", what, socket, needed, needed / 1e9, available, available / 1e9,
                needed - available));
    }
}
