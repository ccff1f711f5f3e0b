package rdu.memory;

/**
 * One memory tier (HBM or DDR) of one socket: a device address space of fixed capacity, filled in order at
 * aligned addresses. It holds no bytes itself: tensors stay in the host mapping of their checkpoint.
 */
public final class MemoryTier {

    /** Allocation granularity: one DRAM burst group, so regions never share a burst. */
    public static final long ALIGNMENT = 64;

    private final int socket;
    private final Tier tier;
    private final long capacity;
    private long used;

    public MemoryTier(int socket, Tier tier, long capacity) {
        this.socket = socket;
        this.tier = tier;
        this.capacity = capacity;
    }

    public long capacity() {
        return capacity;
    }

    public long used() {
        return used;
    }

    public long free() {
        return capacity - used;
    }

    boolean fits(long bytes) {
        return aligned(bytes) <= free();
    }

    /** Allocates {@code bytes} for {@code name}; the caller checks {@link #fits} first. */
    Placement allocate(String name, long bytes) {
        long size = aligned(bytes);
        if (size > free()) {
            throw new CapacityException(name + " does not fit in " + tier + " of socket " + socket, size, free());
        }
        long address = used;
        used += size;
        return new Placement(name, socket, tier, address, bytes);
    }

    /** The bytes a region of {@code bytes} takes: rounded up to the alignment. */
    public static long aligned(long bytes) {
        return Math.multiplyExact(Math.ceilDiv(bytes, ALIGNMENT), ALIGNMENT);
    }
}
