package rdu.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

class SocketMemoryTest {

    private static Tensor tensor(String name, long elements) {
        return new Tensor(name, DType.F32, new long[] {elements}, Arena.ofAuto().allocate(elements * 4));
    }

    @Test
    void placementsAreAlignedDisjointAndInHbmFirst() {
        var memory = new SocketMemory(0, 1 << 20, 1 << 20);
        Placement a = memory.place(tensor("a", 3));
        Placement b = memory.place(tensor("b", 100));
        assertEquals(0, a.address());
        assertEquals(MemoryTier.ALIGNMENT, b.address(), "12 bytes round up to one 64-byte unit");
        assertTrue(a.end() <= b.address());
        assertEquals(Tier.HBM, b.tier());
        assertEquals(MemoryTier.ALIGNMENT + 448, memory.tier(Tier.HBM).used());
    }

    @Test
    void placingTheSameTensorTwiceSharesOnePlacement() {
        var memory = new SocketMemory(0, 1 << 20, 0);
        Tensor tied = tensor("embedding", 64);
        assertSame(memory.place(tied), memory.place(tied));
        assertEquals(256, memory.tier(Tier.HBM).used());
    }

    @Test
    void whatDoesNotFitInHbmGoesToDdr() {
        var memory = new SocketMemory(0, 1000, 1 << 20);
        Placement first = memory.place(tensor("w1", 200));
        Placement second = memory.place(tensor("w2", 200));
        assertEquals(Tier.HBM, first.tier());
        assertEquals(Tier.DDR, second.tier(), "800 bytes in a 1000-byte HBM leave no room for another 800");
        assertEquals(0, second.address());
    }

    @Test
    void packedTensorsSitAtAFixedStrideInOneRegion() {
        var memory = new SocketMemory(0, 1 << 20, 0);
        List<Tensor> layers = List.of(tensor("l0", 10), tensor("l1", 10), tensor("l2", 10));
        List<Placement> packed = memory.placePacked("wq", layers);
        for (int l = 0; l < 3; l++) {
            assertEquals(l * 64L, packed.get(l).address(), "40 bytes aligned to a 64-byte stride");
            assertSame(packed.get(l), memory.placement(layers.get(l)));
        }
    }

    @Test
    void modelThatDoesNotFitIsRejectedUpFrontWithBytesNeededAndAvailable() {
        var memory = new SocketMemory(0, 1000, 300);
        // three tensors of 400 bytes, each rounded up to 448: 1,344 bytes for 1,300 of HBM + DDR
        var tensors = List.of(tensor("w1", 100), tensor("w2", 100), tensor("w3", 100));
        var e = assertThrows(CapacityException.class, () -> memory.requireFits(tensors, 0, "model"));
        assertTrue(e.getMessage().contains("needs 1,344 bytes") && e.getMessage().contains("1,300 bytes")
                && e.getMessage().contains("short by 44 bytes"), e.getMessage());
        assertEquals(0, memory.tier(Tier.HBM).used(), "nothing placed");
    }

    @Test
    void readingATensorThatWasNeverPlacedFails() {
        var memory = new SocketMemory(0, 1 << 20, 0);
        assertThrows(IllegalStateException.class, () -> memory.read(tensor("stray", 4)));
    }
}
