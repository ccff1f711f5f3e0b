package rdu.jmh;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** A benchmark's floating-point operations (an FMA counts two), which JMH reports per second: compare with VectorPeak. */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class Flops {
    public long flops;

    @Setup(Level.Iteration)
    public void clear() {
        flops = 0;
    }
}
