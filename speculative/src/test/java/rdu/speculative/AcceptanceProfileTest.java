package rdu.speculative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import rdu.model.CheckpointException;

class AcceptanceProfileTest {

    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void aRateOfOneHalfCommitsOneAndThreeQuartersAtKTwo() {
        // 1 (the target's token) + 0.5 (first draft token) + 0.5 * 0.5 (second)
        assertEquals(1.75, AcceptanceProfile.rate(0.5).expectedCommitted(2), 1e-15);
        assertEquals(1.75 / 3, AcceptanceProfile.rate(0.5).acceptanceRate(2), 1e-15);
    }

    @Test
    void perPositionRatesMultiplyAlongTheDraft() throws IOException {
        AcceptanceProfile profile = AcceptanceProfile.read(file("p.txt", "0.8 0.5 0.25"));
        assertEquals(1.8, profile.expectedCommitted(1), 1e-15);
        assertEquals(1 + 0.8 + 0.4, profile.expectedCommitted(2), 1e-15);
        assertEquals(1 + 0.8 + 0.4 + 0.1, profile.expectedCommitted(3), 1e-15);
    }

    @Test
    void certainAndImpossibleAcceptanceAreTheEnds() {
        assertEquals(10, AcceptanceProfile.rate(1).expectedCommitted(9), 0);
        assertEquals(1, AcceptanceProfile.rate(0).expectedCommitted(9), 0);
        assertEquals(1.0, AcceptanceProfile.rate(1).acceptanceRate(9), 0);
    }

    @Test
    void committedAtTracksTheRunningTotalOfE() {
        AcceptanceProfile profile = AcceptanceProfile.rate(0.5); // E = 1.75 at k = 2
        // floor(1.75) - 0, floor(3.5) - 1, floor(5.25) - 3, floor(7) - 5
        int[] expected = {1, 2, 2, 2};
        for (int s = 0; s < expected.length; s++) {
            assertEquals(expected[s], profile.committedAt(s, 2), "step " + s);
        }
        assertEquals(10, AcceptanceProfile.rate(1).committedAt(123, 9));
        assertEquals(1, AcceptanceProfile.rate(0).committedAt(123, 9));
    }

    @Test
    void overManyRandomProfilesTheMeanCommittedIsWithinOneOverNOfE() {
        Random random = new Random(20240917);
        for (int trial = 0; trial < 300; trial++) {
            int k = 1 + random.nextInt(12);
            AcceptanceProfile profile = randomProfile(random, k);
            double e = profile.expectedCommitted(k);
            int n = 1 + random.nextInt(3000);
            long total = 0;
            for (int s = 0; s < n; s++) {
                int committed = profile.committedAt(s, k);
                assertTrue(committed >= 1 && committed <= k + 1, profile + ", k " + k + ", step " + s + ": "
                        + committed);
                assertTrue(committed == Math.floor(e) || committed == Math.ceil(e), profile + ", k " + k + ": E " + e
                        + " but step " + s + " commits " + committed);
                total += committed;
            }
            assertTrue(Math.abs((double) total / n - e) <= 1.0 / n, profile + ", k " + k + ", n " + n + ": mean "
                    + (double) total / n + ", E " + e);
        }
    }

    /** A rate, or one rate per position (sometimes more than k), mixing 0, 1 and values between. */
    private static AcceptanceProfile randomProfile(Random random, int k) {
        int positions = random.nextBoolean() ? 1 : k + random.nextInt(3);
        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < positions; i++) {
            int kind = random.nextInt(10);
            rates.add(kind == 0 ? 0.0 : kind == 1 ? 1.0 : random.nextDouble());
        }
        return new AcceptanceProfile("random", rates);
    }

    @Test
    void aStepCommitsCeilOfEEvenWhereEIsAHairBelowAnInteger() {
        AcceptanceProfile profile = new AcceptanceProfile("edge", List.of(1.0, 1 - 0x1p-51));
        assertEquals(Math.nextDown(3.0), profile.expectedCommitted(2), 0);
        for (long s : new long[] {0, 1, 1L << 20, 1L << 40, (1L << 52) + 12345}) {
            int committed = profile.committedAt(s, 2);
            assertTrue(committed == 2 || committed == 3, "step " + s + ": " + committed);
        }
    }

    @Test
    void aFileSeparatesNumbersWithSpacesCommasAndNewlinesAndSkipsComments() throws IOException {
        Path path = file("profile.txt", """
                # Llama pair, measured by hand
                0.9, 0.8,0.7
                  0.6\t0.5 # trailing comment 0.1
                1e-1\r
                .05
                """);
        assertEquals(List.of(0.9, 0.8, 0.7, 0.6, 0.5, 0.1, 0.05), AcceptanceProfile.read(path).rates());
        assertEquals(path.toString(), AcceptanceProfile.read(path).source());
    }

    @Test
    void aFileOfOneValueIsARateForAnyK() throws IOException {
        AcceptanceProfile profile = AcceptanceProfile.read(file("one.txt", "# i.i.d.\n0.5\n"));
        assertEquals(AcceptanceProfile.rate(0.5).expectedCommitted(9), profile.expectedCommitted(9), 0);
        assertTrue(profile.covers(100));
    }

    @Test
    void aFileShorterThanKIsRefusedNamingTheFilePositionsAndK() throws IOException {
        Path path = file("short.txt", "0.9 0.8 0.7");
        AcceptanceProfile profile = AcceptanceProfile.read(path);
        assertFalse(profile.covers(5));
        assertEquals(1 + 0.9 + 0.72 + 0.504, profile.expectedCommitted(3), 1e-12);
        var e = assertThrows(IllegalArgumentException.class, () -> profile.expectedCommitted(5));
        assertEquals(path + " gives acceptance probabilities for 3 draft positions, but k = 5 needs 5"
                + " (a profile of one value applies to any k)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> profile.committedAt(0, 5));
    }

    @Test
    void aFileLongerThanKUsesItsFirstKPositions() throws IOException {
        AcceptanceProfile profile = AcceptanceProfile.read(file("long.txt", "0.5 0.5 0 0 0"));
        assertEquals(1.75, profile.expectedCommitted(2), 1e-15);
    }

    private static final String EMPTY = "no acceptance probabilities: expected numbers in [0, 1] separated by spaces,"
            + " commas or newlines ('#' starts a comment)";

    static Stream<Arguments> badFiles() {
        String expected = ": expected a probability in [0, 1], found ";
        return Stream.of(
                Arguments.of("0.5 abc", "line 1" + expected + "\"abc\" (not a number)"),
                Arguments.of("0.5\n# c\n0.2, x", "line 3" + expected + "\"x\" (not a number)"),
                Arguments.of("NaN", "line 1" + expected + "NaN (not a number)"),
                Arguments.of("0.5 nan", "line 1" + expected + "nan (not a number)"),
                Arguments.of("1.5", "line 1" + expected + "1.5 (outside [0, 1])"),
                Arguments.of("0.2\n-0.1", "line 2" + expected + "-0.1 (outside [0, 1])"),
                Arguments.of("1e999", "line 1" + expected + "1e999 (outside [0, 1])"),
                Arguments.of("Infinity", "line 1" + expected + "\"Infinity\" (not a number)"),
                Arguments.of("0x1p-1", "line 1" + expected + "\"0x1p-1\" (not a number)"),
                Arguments.of("0.5d", "line 1" + expected + "\"0.5d\" (not a number)"),
                Arguments.of("0.5;0.4", "line 1" + expected + "\"0.5;0.4\" (not a number)"),
                Arguments.of("0.5 \u0007", "line 1" + expected + "\"\\u0007\" (not a number)"),
                Arguments.of("", EMPTY),
                Arguments.of("# only a comment\n , \n", EMPTY));
    }

    @ParameterizedTest
    @MethodSource("badFiles")
    void aBadFileIsRefusedInOneLineNamingTheFileLineAndToken(String text, String message) throws IOException {
        Path path = file("bad.txt", text);
        var e = assertThrows(CheckpointException.class, () -> AcceptanceProfile.read(path));
        assertEquals(path + ": " + message, e.getMessage());
    }

    @Test
    void aLongBadTokenIsShortenedInTheMessage() throws IOException {
        Path path = file("long-token.txt", "x".repeat(10_000));
        var e = assertThrows(CheckpointException.class, () -> AcceptanceProfile.read(path));
        assertEquals(path + ": line 1: expected a probability in [0, 1], found \"" + "x".repeat(37) + "...\" (not a"
                + " number)", e.getMessage());
    }

    @Test
    void onlyABoundedRegularFileIsRead() throws IOException {
        Path missing = dir.resolve("missing.txt");
        assertEquals(missing + ": file not found",
                assertThrows(CheckpointException.class, () -> AcceptanceProfile.read(missing)).getMessage());
        Path folder = Files.createDirectory(dir.resolve("folder"));
        assertEquals(folder + ": is a directory, expected a regular file",
                assertThrows(CheckpointException.class, () -> AcceptanceProfile.read(folder)).getMessage());
        Path huge = file("huge.txt", "0.5 ".repeat((int) (AcceptanceProfile.MAX_FILE_BYTES / 4) + 1));
        assertEquals(huge + ": file size: expected at most 1048576 bytes, found 1048580 bytes",
                assertThrows(CheckpointException.class, () -> AcceptanceProfile.read(huge)).getMessage());
    }

    @Test
    void aByteOrderMarkIsNotPartOfTheFirstNumber() throws IOException {
        assertEquals(List.of(0.5, 0.25), AcceptanceProfile.read(file("bom.txt", "\uFEFF0.5\n0.25\n")).rates());
    }

    @Test
    void aRateOutsideZeroToOneOrNaNIsRefused() {
        assertEquals("acceptance rate: expected a probability in [0, 1], found 1.5",
                assertThrows(IllegalArgumentException.class, () -> AcceptanceProfile.rate(1.5)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> AcceptanceProfile.rate(-0.01));
        assertThrows(IllegalArgumentException.class, () -> AcceptanceProfile.rate(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new AcceptanceProfile("empty", List.of()));
    }

    @Test
    void aKBelowOneIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> AcceptanceProfile.rate(0.5).expectedCommitted(0));
        assertEquals("draft length k must be at least 1, found 0", e.getMessage());
    }

    @Test
    void ofTakesANumberAsARateAndAnythingElseAsAFile() throws IOException {
        assertEquals(AcceptanceProfile.rate(0.8), AcceptanceProfile.of("0.8"));
        assertThrows(IllegalArgumentException.class, () -> AcceptanceProfile.of("1.2"));
        assertThrows(IllegalArgumentException.class, () -> AcceptanceProfile.of("NaN"));
        Path path = file("f.txt", "0.7 0.6");
        assertEquals(List.of(0.7, 0.6), AcceptanceProfile.of(path.toString()).rates());
        assertThrows(CheckpointException.class, () -> AcceptanceProfile.of(dir.resolve("none").toString()));
    }

    @Test
    void aWrittenProfileReadsBackToTheSameRatesWithItsHeaderAsComments() throws IOException {
        Random random = new Random(7);
        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            rates.add(random.nextDouble());
        }
        rates.add(1e-7);
        rates.add(0.0);
        Path path = dir.resolve("written.txt");
        new AcceptanceProfile("test", rates).write(path, "pair: A + B\n\nsource: # a test");

        assertEquals(rates, AcceptanceProfile.read(path).rates());
        assertTrue(Files.readString(path).startsWith("# pair: A + B\n#\n# source: # a test\n"),
                Files.readString(path));
    }
}
