package rdu.timing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TimelineTest {

    @Test
    void aSerialResourceTakesWorkInBookingOrder() {
        var pcu = new Timeline(new Resource(0, "PCU"));
        assertEquals(15, pcu.use(10, 5, "a", Map.of(), null));
        // may start at 0, but the resource is busy until 15: no backfilling into [0, 10)
        assertEquals(17, pcu.use(0, 2, "b", Map.of(), null));
    }

    @Test
    void aMemoryFillsIdleGapsWithoutMovingEarlierBookings() {
        var hbm = new Timeline(new Resource(0, "HBM"), true);
        List<Slice> trace = new ArrayList<>();
        assertEquals(15, hbm.use(10, 5, "late", Map.of(), trace)); // leaves [0, 10) idle
        assertEquals(4, hbm.use(1, 3, "early", Map.of(), trace)); // fits the gap: [1, 4)
        // 8 ns from 2 on: the gap's rest [4, 10) takes 6, the end [15, 17) the remaining 2
        assertEquals(17, hbm.use(2, 8, "split", Map.of(), trace));
        assertEquals(List.of("late 10.0+5.0", "early 1.0+3.0", "split 4.0+6.0", "split 15.0+2.0"),
                trace.stream().map(s -> s.name() + " " + s.startNs() + "+" + s.durationNs()).toList());
        // [0, 1) is left; a request from 0.5 fits half a nanosecond there, the rest at the end
        assertEquals(17.5, hbm.use(0.5, 1, "tail", Map.of(), null));
    }

    @Test
    void aSplitTransferGivesEachPieceItsShareOfTheBytes() {
        var hbm = new Timeline(new Resource(0, "HBM"), true);
        List<Slice> trace = new ArrayList<>();
        hbm.use(10, 5, "late", Map.of("bytes", 500L), trace); // leaves [0, 10) idle
        // 800 bytes in 8 ns from 4 on: 6 ns in the gap [4, 10), 2 ns at the end [15, 17); a bandwidth counter
        // reads bytes / duration, so each piece must carry its share (600 and 200), not the whole 800
        hbm.use(4, 8, "split", Map.of("bytes", 800L), trace);
        assertEquals(List.of("late 500", "split 600", "split 200"),
                trace.stream().map(s -> s.name() + " " + s.bytes()).toList());
    }

    @Test
    void forgottenGapsAreNotFilled() {
        var hbm = new Timeline(new Resource(0, "HBM"), true);
        hbm.use(10, 5, "late", Map.of(), null);
        hbm.forgetBefore(10);
        assertEquals(18, hbm.use(0, 3, "after the barrier", Map.of(), null));
    }
}
