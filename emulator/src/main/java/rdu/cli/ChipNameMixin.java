package rdu.cli;

import picocli.CommandLine.Option;
import rdu.chip.ChipFile;

/** --chip, the one declaration of it for every command that runs a model on a chip. */
final class ChipNameMixin {

    @Option(names = "--chip", paramLabel = "NAME|FILE", defaultValue = ChipFile.DEFAULT,
            description = "Chip description: a shipped chip (sn40l, dgx-h100) or a chip JSON file in the same format,"
                    + " e.g. a copy of sn40l.json with a parameter changed (default: ${DEFAULT-VALUE}).")
    String name;
}
