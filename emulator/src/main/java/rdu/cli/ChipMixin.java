package rdu.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where a model runs on real weights: the chip, the sockets, the schedule switches and the prefill chunk. */
final class ChipMixin {

    @Mixin
    ChipNameMixin chip;

    @Option(names = "--sockets", paramLabel = "N", defaultValue = "1",
            description = "Split the model over N sockets by tensor parallelism (default: ${DEFAULT-VALUE});"
                    + " the tokens are the same, the modeled time changes.")
    int sockets;

    @Mixin
    ScheduleMixin schedule;

    @Mixin
    PrefillMixin prefill;
}
