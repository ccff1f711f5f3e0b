package rdu.hbm;

import rdu.tensor.Tensor;

/**
 * Where a tensor lives in a socket's HBM: a device address range. The bytes themselves stay in the
 * host mapping the tensor views, so placing a model costs no copy.
 */
public record Placement(Tensor tensor, long address) {

    public long bytes() {
        return tensor.byteSize();
    }

    public long end() {
        return address + bytes();
    }
}
