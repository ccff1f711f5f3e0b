package rdu.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Output files named on the command line (traces, CSVs, golden files). */
final class OutputFile {

    private OutputFile() {
    }

    /**
     * Fails, saying why, when {@code file} cannot be created or replaced: checked before a run starts, so that a long
     * run is not lost at its end. Creates nothing.
     */
    static void requireWritable(String option, Path file) {
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent();
        String problem;
        if (Files.isDirectory(absolute)) {
            problem = "is a directory";
        } else if (Files.exists(absolute)) {
            problem = Files.isWritable(absolute) ? null : "permission denied";
        } else if (dir == null || !Files.isDirectory(dir)) {
            problem = "no such directory " + dir;
        } else {
            problem = Files.isWritable(dir) ? null : "permission denied in directory " + dir;
        }
        if (problem != null) {
            throw new Rdu.UsageException(option + " " + file + ": cannot write it: " + problem);
        }
    }
}
