package rdu.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointFilesTest {

    @TempDir
    Path dir;

    /** Every way the loaders open a file: read whole (JSON, tokenizer.bin), as JSON, or mapped (weights). */
    private static final Consumer<Path> READ_BYTES = CheckpointFiles::readBytes;
    private static final Consumer<Path> READ_JSON = CheckpointFiles::readJsonObject;
    private static final Consumer<Path> MAP = file -> {
        try (Arena arena = Arena.ofConfined()) {
            CheckpointFiles.map(file, arena);
        }
    };
    private static final List<Consumer<Path>> EVERY_WAY = List.of(READ_BYTES, READ_JSON, MAP);

    /** A named pipe at {@code file}: opening it to read blocks until a writer comes, which never happens here. */
    static Path fifo(Path file) throws IOException, InterruptedException {
        Process mkfifo = new ProcessBuilder("mkfifo", file.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo " + file);
        return file;
    }

    @Test
    void namedPipeIsRefusedInsteadOfBlocking() throws Exception {
        Path pipe = fifo(dir.resolve("config.json"));
        for (Consumer<Path> open : EVERY_WAY) {
            assertError(pipe, open, pipe + ": is a named pipe, expected a regular file");
        }
    }

    @Test
    void directoryIsRefusedByName() throws IOException {
        Path directory = Files.createDirectory(dir.resolve("model.safetensors"));
        for (Consumer<Path> open : EVERY_WAY) {
            assertError(directory, open, directory + ": is a directory, expected a regular file");
        }
    }

    @Test
    void deviceIsRefusedByName() {
        Path device = Path.of("/dev/null");
        assumeTrue(Files.exists(device), "a Unix character device");
        for (Consumer<Path> open : EVERY_WAY) {
            assertError(device, open, "/dev/null: is a character device, expected a regular file");
        }
    }

    @Test
    void fileLargerThanTheBoundIsRefusedBeforeItIsRead() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(CheckpointFiles.MAX_READ_BYTES + 1); // sparse: costs no disk
        }
        for (Consumer<Path> open : List.of(READ_BYTES, READ_JSON)) {
            assertError(file, open, file + ": file size: expected at most " + CheckpointFiles.MAX_READ_BYTES
                    + " bytes, found " + (CheckpointFiles.MAX_READ_BYTES + 1) + " bytes");
        }
    }

    @Test
    void unreadableFileSaysPermissionDenied() {
        // Mode 0200 even for root: the kernel checks /proc/sys modes for root too, where chmod 000 would not stop root.
        Path writeOnly = Path.of("/proc/sys/vm/drop_caches");
        assumeTrue(Files.isRegularFile(writeOnly), "Linux /proc/sys");
        for (Consumer<Path> open : EVERY_WAY) {
            assertError(writeOnly, open, writeOnly + ": cannot read: permission denied");
        }
    }

    @Test
    void ioErrorsAreSaidInWordsWithoutClassNames() {
        Path file = dir.resolve("model.safetensors");
        assertEquals("permission denied", CheckpointFiles.reason(new AccessDeniedException(file.toString())));
        assertEquals("file not found", CheckpointFiles.reason(new NoSuchFileException(file.toString())));
        assertEquals("No such device", CheckpointFiles.reason(new FileSystemException(file.toString(), null,
                "No such device")));
        assertEquals("Input/output error", CheckpointFiles.reason(new IOException("Input/output error")));
        assertEquals("input/output error", CheckpointFiles.reason(new IOException()));
    }

    @Test
    void missingFileIsNamed() {
        Path file = dir.resolve("config.json");
        for (Consumer<Path> open : EVERY_WAY) {
            assertError(file, open, file + ": file not found");
        }
    }

    /** Opening {@code file} fails within seconds, with this whole message and no Java class name in it. */
    private static void assertError(Path file, Consumer<Path> open, String message) {
        CheckpointException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(CheckpointException.class, () -> open.accept(file)));
        assertEquals(file, e.file());
        assertEquals(message, e.getMessage());
        assertFalse(e.getMessage().contains("java."), e.getMessage());
    }

    /** Found by SafeTensorsFileFuzzTest: zero bytes first make Jackson guess UTF-32, and its complaint is an IOException. */
    @Test
    void jsonThatLooksLikeUtf32IsInvalidJsonNotAReadError() {
        byte[] json = "\0\0\0\0{\"__metadata__\":{}}".getBytes(StandardCharsets.ISO_8859_1);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> CheckpointFiles.parseJsonObject(Path.of("m.safetensors"), "header", json));
        assertTrue(e.getMessage().startsWith("m.safetensors: header: expected a JSON object, found invalid JSON (Invalid"
                + " UTF-32 character"), e.getMessage());
        OneLineError.assertOneLine(e, json);
    }

    /** Found by CheckpointPropertyTest: Jackson's complaint about trailing tokens names its own classes. */
    @Test
    void textAfterTheObjectIsSaidWithoutJacksonsClassNames() {
        byte[] json = "{\"a\": 1}\n 2".getBytes(StandardCharsets.UTF_8);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> CheckpointFiles.parseJsonObject(Path.of("config.json"), "JSON", json));
        assertEquals("config.json: JSON: expected a JSON object, found invalid JSON (more after its end, at line 2,"
                + " column 2)", e.getMessage());
    }
}
