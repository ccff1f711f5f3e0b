package rdu.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.StreamSupport;
import rdu.model.CheckpointFiles;
import rdu.model.SharedFiles;

/** One line of ../shared/golden/MODEL.jsonl, the fields the tokenizers are checked against. */
record GoldenRecord(String prompt, int[] promptIds, int[] generatedIds, byte[] generatedBytes) {

    static List<GoldenRecord> read(String model) {
        try {
            return Files.readAllLines(SharedFiles.path("golden/" + model + ".jsonl")).stream()
                    .filter(line -> !line.isBlank())
                    .map(GoldenRecord::parse)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static GoldenRecord parse(String line) {
        try {
            JsonNode n = CheckpointFiles.JSON.readTree(line);
            return new GoldenRecord(n.get("prompt").textValue(), ints(n.get("prompt_ids")), ints(n.get("generated_ids")),
                    HexFormat.of().parseHex(n.get("generated_bytes_hex").textValue()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::intValue).toArray();
    }
}
