package rdu.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rdu.chip.ChipFile;

/** Where a model runs on real weights: the chip, the sockets, the schedule switches and the prefill chunk. */
final class ChipMixin {

    @Option(names = "--chip", paramLabel = "NAME|FILE", defaultValue = ChipFile.DEFAULT,
            description = "Chip description: a shipped chip name or a chip JSON file (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--sockets", paramLabel = "N", defaultValue = "1",
            description = "Split the model over N sockets by tensor parallelism (default: ${DEFAULT-VALUE});"
                    + " the tokens are the same, the modeled time changes.")
    int sockets;

    @Mixin
    ScheduleMixin schedule;

    @Mixin
    PrefillMixin prefill;
}
