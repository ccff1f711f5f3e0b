package rdu.timing;

import java.util.List;

/**
 * The resources of one socket (and its host) that every program running on it shares: the host runtime, the AGCU,
 * HBM, DDR, the P2P links, and the program the AGCU last loaded. A draft model and its target on one socket each
 * have a {@link TimingEngine} of their own, over one SocketTimelines: a pass of one then waits for the memory and
 * control work the other booked, and switching from one's program to the other's costs a Program Load.
 * <p>
 * PCU groups are not shared here: each engine keeps the PCU groups of its own program's allocation. The draft and
 * target programs are time-multiplexed on the socket's PCUs, each configured by its Program Load; their passes never
 * overlap, as each speculative step runs its draft passes and then its verify pass one after another.
 */
public final class SocketTimelines {

    final Timeline host = new Timeline(Resource.host("host runtime"));
    final Timeline agcu = new Timeline(new Resource(0, "AGCU"));
    final Timeline hbm = new Timeline(new Resource(0, "HBM"), true);
    final Timeline ddr = new Timeline(new Resource(0, "DDR"), true);
    final Timeline p2p = new Timeline(new Resource(0, "P2P out"));
    /** The program the AGCU last loaded, whichever engine ran it; null before the first. */
    Object loadedProgram;

    /** Every resource's bookings and the loaded program, to try a schedule and take it back. */
    record State(List<Timeline.State> timelines, Object loadedProgram) {
    }

    State state() {
        return new State(timelines().stream().map(Timeline::state).toList(), loadedProgram);
    }

    void restore(State state) {
        for (int i = 0; i < timelines().size(); i++) {
            timelines().get(i).restore(state.timelines().get(i));
        }
        loadedProgram = state.loadedProgram();
    }

    private List<Timeline> timelines() {
        return List.of(host, agcu, hbm, ddr, p2p);
    }

    /** Every resource idle from modeled time 0, no program loaded. */
    public void reset() {
        for (Timeline t : timelines()) {
            t.reset();
        }
        loadedProgram = null;
    }
}
