package rdu.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceStepsTest {

    @Test
    void aWindowIsTwoStepNumbersWithinTheRun() {
        assertEquals(new TraceSteps(5, 9, false), TraceSteps.parse("5-9", 128));
        assertEquals(new TraceSteps(127, 127, false), TraceSteps.parse("127-127", 128));
    }

    @Test
    void aBadWindowSaysWhatWasExpectedAndWhatWasFound() {
        Map<String, String> expected = Map.of(
                "9-5", "expected FROM <= TO, found 9-5",
                "0-128", "expected steps within the run, found 0-128: the run has 128 steps, 0 to 127",
                "5", "expected FROM-TO, two step numbers such as 0-19, found '5'",
                "-1-3", "expected FROM-TO, two step numbers such as 0-19, found '-1-3'",
                "0-99999999999", "expected FROM-TO, two step numbers such as 0-19, found '0-99999999999'",
                "", "expected FROM-TO, two step numbers such as 0-19, found ''");
        for (var bad : expected.entrySet()) {
            var e = assertThrows(IllegalArgumentException.class, () -> TraceSteps.parse(bad.getKey(), 128));
            assertEquals(bad.getValue(), e.getMessage());
        }
        var none = assertThrows(IllegalArgumentException.class, () -> TraceSteps.parse("0-0", 0));
        assertEquals("expected steps within the run, found 0-0: the run has no steps", none.getMessage());
    }

    @Test
    void theDefaultKeepsTheFirstTwentyStepsAndTheLast() {
        assertTrue(TraceSteps.DEFAULT.inFull(0, false));
        assertTrue(TraceSteps.DEFAULT.inFull(19, false));
        assertFalse(TraceSteps.DEFAULT.inFull(20, false));
        assertTrue(TraceSteps.DEFAULT.inFull(999, true));
        assertFalse(new TraceSteps(0, 19, false).inFull(999, true));
    }
}
