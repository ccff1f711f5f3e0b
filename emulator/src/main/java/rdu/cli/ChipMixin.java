package rdu.cli;

import picocli.CommandLine.Mixin;

/** Where a model runs on real weights: the chip, the sockets, the schedule switches and the prefill chunk. */
final class ChipMixin {

    @Mixin
    ChipNameMixin chip;

    @Mixin
    SocketsMixin sockets;

    @Mixin
    ScheduleMixin schedule;

    @Mixin
    PrefillMixin prefill;
}
