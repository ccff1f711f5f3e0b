package rdu.pcu;

/** A kernel whose operators need more PCUs or PMUs than the chip has: says which kernel, what it needs, what there is. */
public class AllocationException extends RuntimeException {

    public AllocationException(String message) {
        super(message);
    }
}
