package rdu.chip;

/**
 * One chip parameter as written in the chip file: a value in a unit, and where the number comes from
 * (a published figure, or an assumption naming the published result it is calibrated against).
 *
 * @param baseValue the value converted to the base unit of its quantity (bytes, B/s, Hz, s, count)
 */
public record Parameter(String name, double value, String unit, String source, double baseValue) {
}
