package rdu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output files named on the command line are checked before a run, and a refusal says why. */
class OutputFileTest {

    @TempDir
    Path dir;

    @Test
    void aDirectoryIsNotAFileToWrite() {
        var e = assertThrows(Rdu.UsageException.class, () -> OutputFile.requireWritable("--trace", dir));
        assertEquals("--trace " + dir + ": cannot write it: is a directory", e.getMessage());
    }

    @Test
    void aFileInADirectoryThatDoesNotExistCannotBeCreated() {
        Path file = dir.resolve("missing/trace.json");
        var e = assertThrows(Rdu.UsageException.class, () -> OutputFile.requireWritable("--timing-csv", file));
        assertEquals("--timing-csv " + file + ": cannot write it: no such directory " + dir.resolve("missing"),
                e.getMessage());
    }

    @Test
    void aNewFileOrAnExistingOneIsWritableAndLeftAsItWas() throws IOException {
        OutputFile.requireWritable("--trace", dir.resolve("new.json"));
        assertTrue(Files.notExists(dir.resolve("new.json")), "checking creates nothing");
        Path existing = Files.writeString(dir.resolve("old.csv"), "kept");
        OutputFile.requireWritable("--timing-csv", existing);
        assertEquals("kept", Files.readString(existing));
    }

    @Test
    void simulateRefusesATraceItCannotWriteBeforeRunning() {
        var run = GenerateCommandTest.rdu("simulate", "--model", "llama-3.2-1b", "--tokens", "1", "--trace",
                dir.toString());
        assertEquals(1, run.exitCode(), run.stderr());
        assertEquals("rdu: error: --trace " + dir + ": cannot write it: is a directory", run.stderr().strip());
        assertEquals("", run.stdout(), "nothing ran");
    }

    @Test
    void generateAndGoldenRecordRefuseOutputsTheyCannotWriteBeforeRunning() throws IOException {
        Path model = GenerateCommandTest.sharedModel("models/stories260K-hf");
        var run = GenerateCommandTest.rdu("generate", "--model", model.toString(), "--max-tokens", "1",
                "--timing-csv", dir.resolve("no/such.csv").toString());
        assertEquals(1, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("--timing-csv") && run.stderr().contains("no such directory"), run.stderr());
        assertEquals("", run.stdout(), "the prompt was not even echoed");

        Path prompts = Files.writeString(dir.resolve("prompts.txt"), "Once\n");
        run = GenerateCommandTest.rdu("golden", "record", "--model", model.toString(), "--prompts",
                prompts.toString(), "--out", dir.toString());
        assertEquals(1, run.exitCode(), run.stderr());
        assertTrue(run.stderr().startsWith("rdu: error: --out " + dir + ": cannot write it: is a directory"),
                run.stderr());
    }
}
