package rdu.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.reproduce.CrossCheck;
import rdu.reproduce.ReportWriter;
import rdu.reproduce.Reproduction;
import rdu.reproduce.Sensitivity;

/** {@code rdu reproduce}: the emulator against the published SN40L results, as a report with plots. */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = {"Runs the emulator on every comparable published SN40L result and writes DIR/report.md"
                + " (published vs emulated, error, configuration, calibration, %% of the roofline per catalog model)"
                + " with PNG plots; --sensitivity adds which rows each unpublished chip parameter moves, --cross-check"
                + " how the calibration fitted on one half of the rows predicts the other."})
final class ReproduceCommand implements Callable<Integer> {

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "reproduce-report",
            description = "Folder for report.md and the plots (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--tokens", paramLabel = "T", defaultValue = "" + Reproduction.DEFAULT_TOKENS,
            description = "Decode steps per run (default: ${DEFAULT-VALUE}).")
    int tokens;

    /** The dataflow chip whose results are compared. */
    @Mixin
    ChipNameMixin chipName;

    @Option(names = "--gpu", paramLabel = "NAME|FILE", defaultValue = "dgx-h100",
            description = "The kernel-by-kernel baseline for the GPU rows (default: ${DEFAULT-VALUE}).")
    String gpuName;

    @Option(names = "--sensitivity",
            description = "Also rerun every row with each unpublished chip parameter at 0.5x and 2x (a few minutes)"
                    + " and add the Sensitivity section: which rows each guess moves.")
    boolean sensitivity;

    @Option(names = "--cross-check",
            description = "Also refit the calibrated chip parameters on one half of the rows, predict the other half,"
                    + " then swap the halves (about a minute), and add the Cross-check section.")
    boolean crossCheck;

    @Override
    public Integer call() {
        if (tokens < 1) {
            throw new Rdu.UsageException("--tokens must be >= 1, found " + tokens);
        }
        Chip sn40l = load(chipName.name, "--chip", Chip.Execution.DATAFLOW);
        Chip gpu = load(gpuName, "--gpu", Chip.Execution.KERNEL_BY_KERNEL);
        String chipFiles = ChipFile.SHIPPED.contains(chipName.name) && ChipFile.SHIPPED.contains(gpuName)
                ? "the chip files shipped with the emulator"
                : "the chip files `" + chipName.name + "` (" + sn40l.name() + ") and `" + gpuName + "` (" + gpu.name()
                        + ")";
        Reproduction.Result result = Reproduction.run(sn40l, gpu, tokens);
        var sweeps = ReportWriter.Sweeps.none();
        if (sensitivity) {
            sweeps = sweeps.withSensitivity(Sensitivity.sweep(chipName.name, gpuName, tokens, result.rows()));
        }
        if (crossCheck) {
            sweeps = sweeps.withCrossCheck(CrossCheck.run(chipName.name, gpuName, tokens));
        }
        Path report;
        try {
            report = ReportWriter.write(out, result, List.of(sn40l, gpu), chipFiles, tokens, sweeps);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the report into " + out, e);
        }
        System.out.print(ReportWriter.table(result));
        System.out.println("report: " + report);
        return 0;
    }

    private static Chip load(String nameOrPath, String option, Chip.Execution expected) {
        Chip chip = ChipFile.load(nameOrPath);
        if (chip.execution() != expected) {
            throw new Rdu.UsageException(option + " " + nameOrPath + ": expected a chip with execution \""
                    + spelled(expected) + "\", found \"" + spelled(chip.execution()) + "\"");
        }
        return chip;
    }

    /** As chip files spell it. */
    private static String spelled(Chip.Execution execution) {
        return execution.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
