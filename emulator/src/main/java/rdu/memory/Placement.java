package rdu.memory;

/** Where a region lives: a socket, a memory tier and a device address range within it. */
public record Placement(String name, int socket, Tier tier, long address, long bytes) {

    public long end() {
        return address + bytes;
    }
}
