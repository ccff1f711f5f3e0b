package rdu.memory;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import rdu.tensor.Tensor;

/**
 * The off-chip memory of one socket: HBM first, DDR for what does not fit. Tensors are placed once (a tied
 * classifier shares the embedding's placement); kernels read their weights through {@link #read}, which
 * fails for a tensor that was never placed, so nothing runs from outside emulated memory.
 */
public final class SocketMemory {

    private final int socket;
    private final MemoryTier hbm;
    private final MemoryTier ddr;
    private final Map<Tensor, Placement> placements = new IdentityHashMap<>();

    public SocketMemory(int socket, long hbmBytes, long ddrBytes) {
        this.socket = socket;
        this.hbm = new MemoryTier(socket, Tier.HBM, hbmBytes);
        this.ddr = new MemoryTier(socket, Tier.DDR, ddrBytes);
    }

    public MemoryTier tier(Tier tier) {
        return tier == Tier.HBM ? hbm : ddr;
    }

    /**
     * Fails before anything is placed when {@code tensors} plus {@code extraBytes} do not fit in HBM and DDR
     * together, saying how much is needed and how much there is.
     */
    public void requireFits(List<Tensor> tensors, long extraBytes, String what) {
        long needed = MemoryTier.aligned(extraBytes);
        for (Tensor t : tensors) {
            if (!placements.containsKey(t)) {
                needed += MemoryTier.aligned(t.byteSize());
            }
        }
        long free = hbm.free() + ddr.free();
        if (needed > free) {
            String where = ddr.capacity() == 0 ? "the HBM" : "the HBM + DDR";
            throw new CapacityException(what + " does not fit in " + where + " of socket " + socket, needed, free);
        }
    }

    /** Places a tensor in HBM, else DDR; placing it again returns the first placement. */
    public Placement place(Tensor tensor) {
        Placement existing = placements.get(tensor);
        if (existing != null) {
            return existing;
        }
        Placement placement = reserve(tensor.name(), tensor.byteSize());
        placements.put(tensor, placement);
        return placement;
    }

    /**
     * Places same-shaped tensors back to back in one region (KernelLooping's layer dimension: layer l's slice
     * at base + l * stride), in HBM if the whole region fits there, else DDR.
     */
    public List<Placement> placePacked(String name, List<Tensor> tensors) {
        if (tensors.stream().allMatch(placements::containsKey)) {
            // already packed: a layer-skipping draft loops over the first layers of its target's region
            return tensors.stream().map(placements::get).toList();
        }
        long stride = MemoryTier.aligned(tensors.getFirst().byteSize());
        Placement region = reserve(name, stride * tensors.size());
        var result = new java.util.ArrayList<Placement>();
        for (int l = 0; l < tensors.size(); l++) {
            Tensor t = tensors.get(l);
            Placement p = new Placement(t.name(), socket, region.tier(), region.address() + l * stride, t.byteSize());
            placements.put(t, p);
            result.add(p);
        }
        return result;
    }

    /** Reserves a region the emulator fills itself (the KV cache), in HBM if it fits, else DDR. */
    public Placement reserve(String name, long bytes) {
        if (hbm.fits(bytes)) {
            return hbm.allocate(name, bytes);
        }
        if (ddr.fits(bytes)) {
            return ddr.allocate(name, bytes);
        }
        // a region is contiguous: what counts is the larger of the two tiers' free space
        throw new CapacityException(name + " fits in neither the HBM nor the DDR of socket " + socket,
                MemoryTier.aligned(bytes), Math.max(hbm.free(), ddr.free()));
    }

    public Placement placement(Tensor tensor) {
        Placement p = placements.get(tensor);
        if (p == null) {
            throw new IllegalStateException("tensor " + tensor.name() + " was never placed in socket " + socket);
        }
        return p;
    }

    /** The tensor's bytes, as a kernel reads them: only placed tensors can be read. */
    public Tensor read(Tensor tensor) {
        placement(tensor);
        return tensor;
    }
}
