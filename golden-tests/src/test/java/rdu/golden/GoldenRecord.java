package rdu.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * One line of shared/golden/MODEL.jsonl: a greedy generation by llama2.c run.c (fields as defined in
 * shared/golden/README.md).
 *
 * @param top5 per step, the five largest logits as [id, logit] pairs
 */
record GoldenRecord(String model, String prompt, int[] promptIds, int steps, int[] generatedIds, String stopReason,
                    byte[] generatedBytes, List<float[][]> top5) {

    /** Positions run.c generates after the prompt: steps counts the prompt positions too. */
    int maxNewTokens() {
        return steps - promptIds.length + 1;
    }

    static List<GoldenRecord> readAll(Path jsonl) {
        var mapper = new ObjectMapper();
        List<GoldenRecord> records = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(jsonl)) {
                if (!line.isBlank()) {
                    records.add(parse(mapper.readTree(line)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + jsonl, e);
        }
        return records;
    }

    private static GoldenRecord parse(JsonNode n) {
        List<float[][]> top5 = new ArrayList<>();
        for (JsonNode step : n.get("top5")) {
            float[][] pairs = new float[step.size()][];
            for (int i = 0; i < step.size(); i++) {
                pairs[i] = new float[] {step.get(i).get(0).floatValue(), step.get(i).get(1).floatValue()};
            }
            top5.add(pairs);
        }
        return new GoldenRecord(n.get("model").asText(), n.get("prompt").asText(), ints(n.get("prompt_ids")),
                n.get("steps").asInt(), ints(n.get("generated_ids")), n.get("stop_reason").asText(),
                HexFormat.of().parseHex(n.get("generated_bytes_hex").asText()), top5);
    }

    private static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }

    @Override
    public String toString() {
        return model + " \"" + prompt + "\" steps=" + steps;
    }
}
