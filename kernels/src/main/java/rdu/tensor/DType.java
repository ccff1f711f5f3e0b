package rdu.tensor;

import java.util.Arrays;
import java.util.Optional;

/**
 * Storage element types of weights, with the names safetensors uses for them.
 * Compute is always FP32 (or BF16-rounded FP32); narrower types are widened as they are read.
 */
public enum DType {
    F32("F32", 4),
    F16("F16", 2),
    BF16("BF16", 2),
    I8("I8", 1),
    U8("U8", 1),
    /** FP8 storage types: recognised and sized now, widened before compute like SN40L does. */
    F8_E4M3("F8_E4M3", 1),
    F8_E5M2("F8_E5M2", 1);

    private final String safetensorsName;
    private final int bytes;

    DType(String safetensorsName, int bytes) {
        this.safetensorsName = safetensorsName;
        this.bytes = bytes;
    }

    /** The dtype string used in safetensors headers, e.g. "BF16". */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    public static Optional<DType> fromSafetensorsName(String name) {
        return Arrays.stream(values()).filter(d -> d.safetensorsName.equals(name)).findFirst();
    }
}
