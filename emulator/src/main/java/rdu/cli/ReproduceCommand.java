package rdu.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.reproduce.ReportWriter;
import rdu.reproduce.Reproduction;

/** {@code rdu reproduce}: the emulator against the published SN40L results, as a report with plots. */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = {"Runs the emulator on every comparable published SN40L result and writes DIR/report.md"
                + " (published vs emulated, error, configuration, calibration) with PNG plots."})
final class ReproduceCommand implements Callable<Integer> {

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "reproduce-report",
            description = "Folder for report.md and the plots (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--tokens", paramLabel = "T", defaultValue = "" + Reproduction.DEFAULT_TOKENS,
            description = "Decode steps per run (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Override
    public Integer call() {
        if (tokens < 1) {
            throw new Rdu.UsageException("--tokens must be >= 1, found " + tokens);
        }
        Chip sn40l = ChipFile.load("sn40l");
        Chip gpu = ChipFile.load("dgx-h100");
        Reproduction.Result result = Reproduction.run(sn40l, gpu, tokens);
        Path report;
        try {
            report = ReportWriter.write(out, result, List.of(sn40l, gpu), tokens);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the report into " + out, e);
        }
        System.out.print(ReportWriter.table(result));
        System.out.println("report: " + report);
        return 0;
    }
}
