package rdu.cli;

import picocli.CommandLine.Option;
import rdu.chip.Chip;
import rdu.runtime.PrefillChunk;

/** {@code --prefill-chunk}, shared by the commands that prefill a prompt. */
final class PrefillMixin {

    @Option(names = "--prefill-chunk", paramLabel = "N",
            description = {"Prefill the prompt in passes of at most N positions (weights stream once per pass).",
                    "Default: the chip's ridge point, the smallest power of two at which a pass is compute-bound"
                            + " (512 on the SN40L)."})
    Integer chunk;

    /** The chunk asked for, or the chip's default. */
    int chunk(Chip chip) {
        if (chunk == null) {
            return PrefillChunk.defaultFor(chip);
        }
        if (chunk < 1) {
            throw new Rdu.UsageException("--prefill-chunk must be at least 1 position, found " + chunk);
        }
        return chunk;
    }
}
