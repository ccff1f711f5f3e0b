package rdu.hbm;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import rdu.tensor.Tensor;

/**
 * The HBM of one socket: a device address space of fixed capacity. Tensors are placed one after another
 * at aligned addresses; each placement remembers its tensor, so kernels read their operands through it.
 * Regions that hold no host tensor (the KV cache) are reserved by size.
 */
public final class Hbm {

    /** Allocation granularity: one DRAM burst group, so tensors never share a burst. */
    public static final long ALIGNMENT = 64;

    private final int socket;
    private final long capacity;
    private final Map<Tensor, Placement> placements = new IdentityHashMap<>();
    private long used;

    public Hbm(int socket, long capacity) {
        this.socket = socket;
        this.capacity = capacity;
    }

    public long capacity() {
        return capacity;
    }

    public long used() {
        return used;
    }

    /**
     * Fails before anything is placed when {@code tensors} plus {@code extraBytes} (e.g. the KV cache)
     * do not fit, saying how much is needed and how much there is.
     */
    public void requireFits(List<Tensor> tensors, long extraBytes, String what) {
        long needed = extraBytes;
        for (Tensor t : tensors) {
            if (!placements.containsKey(t)) {
                needed += aligned(t.byteSize());
            }
        }
        if (needed > capacity - used) {
            throw new HbmCapacityException(socket, what, needed, capacity - used);
        }
    }

    /** Places a tensor (once: placing the same tensor again returns its placement, as for a tied classifier). */
    public Placement place(Tensor tensor) {
        Placement existing = placements.get(tensor);
        if (existing != null) {
            return existing;
        }
        long address = allocate(tensor.byteSize(), tensor.name());
        Placement placement = new Placement(tensor, address);
        placements.put(tensor, placement);
        return placement;
    }

    /** Reserves a region that the emulator fills itself, returning its address. */
    public long reserve(long bytes, String what) {
        return allocate(bytes, what);
    }

    private long allocate(long bytes, String what) {
        long size = aligned(bytes);
        if (size > capacity - used) {
            throw new HbmCapacityException(socket, what, size, capacity - used);
        }
        long address = used;
        used += size;
        return address;
    }

    private static long aligned(long bytes) {
        return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }
}
