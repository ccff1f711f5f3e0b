package rdu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rdu convert as a user runs it: what it reads in its help, one line per refusal. */
class ConvertCommandTest {

    @TempDir
    Path dir;

    @Test
    void helpSaysWhichSourcesAndDtypesItReads() {
        GenerateCommandTest.Run run = GenerateCommandTest.rdu("convert", "--help");
        assertEquals(0, run.exitCode(), run.stderr());
        String help = run.stdout().replaceAll("\\s+", " ");
        assertTrue(help.contains("llama2.c") && help.contains("F32, BF16 or F16") && help.contains("--force")
                && help.contains("BF16, F16 or F32"), help);
    }

    @Test
    void anExistingOutputIsOneLineAndExitCodeOne() throws IOException {
        Path out = Files.createDirectory(dir.resolve("out"));
        GenerateCommandTest.Run run = GenerateCommandTest.rdu("convert", "--model",
                GenerateCommandTest.sharedModel("models/stories260K/stories260K.bin").toString(), "--out",
                out.toString());
        assertEquals(1, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("rdu: error: " + out + ": already exists; pass --force"), run.stderr());
        assertFalse(run.stderr().contains("\tat "), "no stack trace: " + run.stderr());
    }

    @Test
    void anOutputDtypeItCannotWriteIsOneLine() {
        GenerateCommandTest.Run run = GenerateCommandTest.rdu("convert", "--model",
                GenerateCommandTest.sharedModel("models/stories260K/stories260K.bin").toString(), "--out",
                dir.resolve("i8").toString(), "--dtype", "I8");
        assertEquals(1, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("rdu: error: output dtype: expected one of F32, BF16, F16, found I8"),
                run.stderr());
    }

    @Test
    void aConversionSaysWhatItWrote() {
        Path out = dir.resolve("bf16");
        GenerateCommandTest.Run run = GenerateCommandTest.rdu("convert", "--model",
                GenerateCommandTest.sharedModel("models/stories260K/stories260K.bin").toString(), "--out",
                out.toString());
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("47 tensors, 520,064 bytes of BF16 weights (from llama2.c)"), run.stderr());
    }
}
