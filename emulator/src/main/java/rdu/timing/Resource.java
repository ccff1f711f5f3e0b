package rdu.timing;

/**
 * A hardware resource whose busy time the engine models: HBM, DDR, a PCU group, the AGCU, a P2P link, the host.
 * Work on one resource is serialized, so its slices never overlap (the trace shows each as one thread).
 *
 * @param socket the socket it belongs to, or {@link #HOST} for the host
 */
public record Resource(int socket, String name) {

    public static final int HOST = -1;

    public static Resource host(String name) {
        return new Resource(HOST, name);
    }
}
