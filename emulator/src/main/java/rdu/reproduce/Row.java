package rdu.reproduce;

/**
 * One published SN40L result next to the emulator's value for it.
 *
 * @param id            the row of published-results.md section 3 ("12a", "12b" when a row has two numbers)
 * @param description   what was measured
 * @param configuration what the emulator ran: model(s), sockets, batch, context, schedule switches
 * @param published     the published value, as the source states it
 * @param emulated      the emulated value, with where it comes from when it is a best case or a range
 * @param verdict       the error and whether the target is met
 * @param fitted        a chip parameter was calibrated to this row, so its error shows the fit, not a prediction
 * @param note          how the timing engine arrives at the value, and why it misses when it does
 */
public record Row(String id, String description, String configuration, String published, String emulated,
                  Verdict verdict, boolean fitted, String note) {

    /** The verdict column: calibration targets are marked as such so that nobody counts them as predictions. */
    public String status() {
        return fitted ? "fitted" : verdict.met() ? "met" : "MISSED";
    }
}
