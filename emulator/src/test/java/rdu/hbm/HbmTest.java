package rdu.hbm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

class HbmTest {

    private static Tensor tensor(String name, long elements) {
        return new Tensor(name, DType.F32, new long[] {elements}, Arena.ofAuto().allocate(elements * 4));
    }

    @Test
    void placementsAreAlignedDisjointAndKeepTheirTensor() {
        var hbm = new Hbm(0, 1 << 20);
        Tensor a = tensor("a", 3);
        Tensor b = tensor("b", 100);
        Placement pa = hbm.place(a);
        Placement pb = hbm.place(b);
        assertEquals(0, pa.address());
        assertEquals(Hbm.ALIGNMENT, pb.address(), "12 bytes round up to one 64-byte unit");
        assertEquals(0, pb.address() % Hbm.ALIGNMENT);
        assertTrue(pa.end() <= pb.address());
        assertSame(b, pb.tensor());
        assertEquals(Hbm.ALIGNMENT + 448, hbm.used());
    }

    @Test
    void placingTheSameTensorTwiceSharesOnePlacement() {
        var hbm = new Hbm(0, 1 << 20);
        Tensor tied = tensor("embedding", 64);
        assertSame(hbm.place(tied), hbm.place(tied));
        assertEquals(256, hbm.used());
    }

    @Test
    void modelThatDoesNotFitIsRejectedUpFrontWithBytesNeededAndAvailable() {
        // three tensors of 400 bytes, each rounded up to 448
        var hbm = new Hbm(0, 1000);
        var tensors = List.of(tensor("w1", 100), tensor("w2", 100), tensor("w3", 100));
        var e = assertThrows(HbmCapacityException.class, () -> hbm.requireFits(tensors, 0, "model"));
        assertTrue(e.getMessage().contains("needs 1,344 bytes") && e.getMessage().contains("1,000 bytes")
                && e.getMessage().contains("short by 344"), e.getMessage());
        assertEquals(0, hbm.used(), "nothing placed");
        assertThrows(HbmCapacityException.class, () -> hbm.reserve(2000, "KV cache"));
    }
}
