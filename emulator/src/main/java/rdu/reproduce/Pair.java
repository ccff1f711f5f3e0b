package rdu.reproduce;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import rdu.speculative.AcceptanceProfile;

/**
 * A target and its draft with the acceptance profile the speculative module ships for them
 * (rdu/speculative/TARGET+DRAFT.txt), and the profile's comment header, which says where its numbers come from.
 *
 * @param header the file's '#' lines without the '#', one per line: source, quantity, conversion, caveats
 */
record Pair(String target, String draft, AcceptanceProfile acceptance, String header) {

    static Pair of(String target, String draft) {
        String file = target + "+" + draft + ".txt";
        String text;
        try (InputStream in = AcceptanceProfile.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("the acceptance profile rdu/speculative/" + file
                        + " is not on the classpath");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the acceptance profile rdu/speculative/" + file, e);
        }
        List<String> comments = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("#")) {
                comments.add(line.substring(1).strip());
            }
        }
        return new Pair(target, draft, AcceptanceProfile.parse(Path.of(file), text), String.join("\n", comments));
    }

    /** The profile's file name, as the report refers to it. */
    String file() {
        return target + "+" + draft + ".txt";
    }

    /** Whether the profile is borrowed from another pair rather than measured on this one. */
    boolean assumed() {
        return header.contains("ASSUMPTION");
    }

    /** "llama-3.1-70b + llama-3.1-8b". */
    String names() {
        return target + " + " + draft;
    }
}
