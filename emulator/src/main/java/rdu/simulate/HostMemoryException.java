package rdu.simulate;

import rdu.memory.CapacityException;

/**
 * A run the chip would hold but the emulator cannot describe within the JVM's heap: more sockets do not help, a larger
 * heap does.
 */
public class HostMemoryException extends CapacityException {

    public HostMemoryException(String what, long needed, long available) {
        super(what, needed, available);
    }
}
