package rdu.speculative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The bundled profiles of the paper's model pairs (rdu/speculative/TARGET+DRAFT.txt on the classpath). */
class AcceptanceProfileResourcesTest {

    private static String text(String pair) throws IOException {
        try (InputStream in = AcceptanceProfile.class.getResourceAsStream(pair + ".txt")) {
            assertNotNull(in, pair + ".txt is not on the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static AcceptanceProfile profile(String pair) throws IOException {
        return AcceptanceProfile.parse(Path.of(pair + ".txt"), text(pair));
    }

    @ParameterizedTest
    @CsvSource({"llama-3.1-70b+llama-3.1-8b", "llama-3.1-405b+llama-3.1-8b"})
    void aPublishedPairNamesItsSourceAndGivesARateForAnyK(String pair) throws IOException {
        assertTrue(text(pair).contains("\n# Source: "), pair + " does not say where its number comes from");
        assertEquals(1, profile(pair).positions(), pair);
        assertTrue(profile(pair).expectedCommitted(9) > profile(pair).expectedCommitted(5), pair);
    }

    @ParameterizedTest
    @CsvSource({
        "llama-3.1-70b+llama-3.2-1b, llama-3.1-70b+llama-3.1-8b",
        "llama-3.1-405b+llama-3.2-3b, llama-3.1-405b+llama-3.1-8b",
    })
    void anUnpublishedPairSaysSoAndTakesTheValueOfTheNearestPublishedOne(String pair, String nearest)
            throws IOException {
        String text = text(pair);
        assertTrue(text.contains("No published acceptance measurement for this pair was found"), text);
        assertTrue(text.contains("# ASSUMPTION: ") && text.contains(nearest + ".txt"), text);
        assertEquals(profile(nearest).rates(), profile(pair).rates(), pair + " against " + nearest);
    }
}
