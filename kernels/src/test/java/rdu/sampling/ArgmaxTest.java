package rdu.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ArgmaxTest {

    @Test
    void largestWinsAndTiesGoToTheLowestIndex() {
        assertEquals(2, Argmax.of(new float[] {1, 2, 5, 3}));
        assertEquals(1, Argmax.of(new float[] {-1, 4, 0, 4, 4}));
        assertEquals(0, Argmax.of(new float[] {Float.NEGATIVE_INFINITY}));
        assertThrows(IllegalArgumentException.class, () -> Argmax.of(new float[0]));
    }
}
