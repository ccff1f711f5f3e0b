package rdu.regression;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import rdu.runtime.StopReason;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;
import rdu.moe.ExpertRouting;
import rdu.schedule.Schedule;
import rdu.schedule.ScheduleOptions;

/**
 * One greedy generation with its modeled timing, as {@code rdu golden record} writes it: the setup that produced it
 * and what came out. A golden file holds one record per line, a JSON object with the keys format ({@value #FORMAT}),
 * model, chip, schedule_options (fusion, kernel_looping, batch_streaming, offload_steps, hardware_orchestration,
 * batch), max_tokens, prompt, prompt_ids, generated_ids, generated_bytes_hex, stop_reason, modeled_step_ns,
 * modeled_total_ns and hbm_bytes; enum values in lower case.
 *
 * @param model          the checkpoint path as given when recording; a relative one resolves against a model root
 * @param prompt         the prompt's text, or null (JSON null) when the prompt was given as token ids: then
 *                       {@code promptIds} is what a check runs again, with no tokenizer involved
 * @param chip           the chip as given: a shipped chip name or a chip file path
 * @param generatedBytes the UTF-8 text of the generated tokens ({@code generated_bytes_hex})
 * @param stepNs         modeled duration of every step in order: the prefill, then each decode step
 *                       ({@code modeled_step_ns})
 * @param totalNs        modeled time from the first step's start to the last step's end ({@code modeled_total_ns})
 * @param hbmBytes       HBM bytes read and written by every step
 */
public record GoldenRecord(String model, String chip, ScheduleOptions options, int maxTokens, String prompt,
                           int[] promptIds, int[] generatedIds, byte[] generatedBytes, StopReason stopReason,
                           double[] stepNs, double totalNs, long[] hbmBytes) {

    public static final String FORMAT = "rdu-golden/1";

    // trailing tokens: "{...}{...}" on one line is a broken file, not a record followed by noise to ignore
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The record as one line of JSON (no line break). */
    public String toJson() {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("format", FORMAT);
        n.put("model", model);
        n.put("chip", chip);
        n.set("schedule_options", optionsJson(options));
        n.put("max_tokens", maxTokens);
        n.put("prompt", prompt);
        ArrayNode prompt = n.putArray("prompt_ids");
        Arrays.stream(promptIds).forEach(prompt::add);
        ArrayNode generated = n.putArray("generated_ids");
        Arrays.stream(generatedIds).forEach(generated::add);
        n.put("generated_bytes_hex", HexFormat.of().formatHex(generatedBytes));
        n.put("stop_reason", lower(stopReason));
        ArrayNode steps = n.putArray("modeled_step_ns");
        Arrays.stream(stepNs).forEach(steps::add);
        n.put("modeled_total_ns", totalNs);
        ArrayNode hbm = n.putArray("hbm_bytes");
        Arrays.stream(hbmBytes).forEach(hbm::add);
        return n.toString();
    }

    /** What produced the record, in one line for reports: model, chip, schedule options, max tokens, prompt. */
    public String setup() {
        return model + ", chip " + chip + ", schedule_options " + optionsJson(options) + ", max_tokens " + maxTokens
                + (prompt == null ? ", prompt_ids " + Arrays.toString(promptIds) : ", prompt " + TextNode.valueOf(prompt));
    }

    /** Writes the records one per line, replacing the file or appending to it. */
    public static void writeAll(Path file, List<GoldenRecord> records, boolean append) {
        OpenOption[] mode = append ? new OpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.APPEND}
                : new OpenOption[0];
        try {
            Files.write(file, records.stream().map(GoldenRecord::toJson).toList(), StandardCharsets.UTF_8, mode);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Reads every line of a golden file as a record; the records are in line order, line n at index n - 1. */
    public static List<GoldenRecord> readAll(Path file) {
        List<String> lines = readLines(file);
        if (lines.isEmpty()) {
            throw new GoldenFileException(file, "no records (expected one JSON object per line)");
        }
        List<GoldenRecord> records = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            records.add(parse(lines.get(i), file, i + 1));
        }
        return records;
    }

    /** The lines of a UTF-8 text file, or an error naming the file (golden and prompts files alike). */
    static List<String> readLines(Path file) {
        byte[] bytes;
        try {
            bytes = CheckpointFiles.readBytes(file); // refuses a named pipe, a directory or an oversized file, in words
        } catch (CheckpointException e) {
            throw new GoldenFileException(e);
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
            return text.lines().toList();
        } catch (CharacterCodingException e) {
            throw new GoldenFileException(file, "not UTF-8 text");
        }
    }

    static GoldenRecord parse(String text, Path file, int line) {
        if (text.isBlank()) {
            throw new GoldenFileException(file, line, "empty line (expected one JSON object per line)");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (MismatchedInputException e) {
            // readTree binds nothing, so this is FAIL_ON_TRAILING_TOKENS, whose own message names Jackson's classes
            throw new GoldenFileException(file, line, "not JSON: more after the end of the record, at column "
                    + e.getLocation().getColumnNr());
        } catch (JsonProcessingException e) {
            throw new GoldenFileException(file, line, "not JSON: " + e.getOriginalMessage());
        }
        if (!root.isObject()) {
            throw new GoldenFileException(file, line, "expected a JSON object, found " + root);
        }
        var f = new Fields(root, "", file, line);
        String format = f.text("format");
        if (!format.equals(FORMAT)) {
            throw f.error("format", "expected \"" + FORMAT + "\", found " + root.get("format"));
        }
        double[] stepNs = f.numbers("modeled_step_ns");
        long[] hbmBytes = f.longs("hbm_bytes");
        if (hbmBytes.length != stepNs.length) {
            throw f.error("hbm_bytes", "expected one value per step (" + stepNs.length + " in modeled_step_ns),"
                    + " found " + hbmBytes.length);
        }
        int maxTokens = f.integer("max_tokens");
        if (maxTokens < 0) {
            throw f.error("max_tokens", "expected an integer >= 0, found " + maxTokens);
        }
        ScheduleOptions options;
        try {
            options = f.object("schedule_options").options();
        } catch (IllegalArgumentException e) {
            throw f.error("schedule_options", e.getMessage());
        }
        return new GoldenRecord(f.text("model"), f.text("chip"), options, maxTokens,
                f.textOrNull("prompt"), f.ints("prompt_ids"), f.ints("generated_ids"), f.hex("generated_bytes_hex"),
                f.choice("stop_reason", StopReason.class), stepNs, f.number("modeled_total_ns"), hbmBytes);
    }

    private static ObjectNode optionsJson(ScheduleOptions o) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("fusion", lower(o.fusion()));
        n.put("kernel_looping", o.kernelLooping());
        n.put("batch_streaming", o.batchStreaming());
        n.put("offload_steps", o.offloadSteps());
        n.put("hardware_orchestration", o.hardwareOrchestration());
        n.put("batch", o.batch());
        return n;
    }

    static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** Typed access to the fields of one JSON object; every failure names the file, line and full field name. */
    private record Fields(JsonNode node, String prefix, Path file, int line) {

        GoldenFileException error(String field, String problem) {
            return new GoldenFileException(file, line, "field \"" + prefix + field + "\": " + problem);
        }

        private JsonNode get(String field) {
            JsonNode value = node.get(field);
            if (value == null) {
                throw error(field, "missing");
            }
            return value;
        }

        String text(String field) {
            JsonNode value = get(field);
            if (!value.isTextual()) {
                throw error(field, "expected a string, found " + value);
            }
            return value.asText();
        }

        /** A string, or null where the value is JSON null. */
        String textOrNull(String field) {
            return get(field).isNull() ? null : text(field);
        }

        int integer(String field) {
            return integer(field, get(field));
        }

        private int integer(String field, JsonNode value) {
            if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                throw error(field, "expected an integer, found " + value);
            }
            return value.intValue();
        }

        boolean bool(String field) {
            JsonNode value = get(field);
            if (!value.isBoolean()) {
                throw error(field, "expected true or false, found " + value);
            }
            return value.booleanValue();
        }

        double number(String field) {
            JsonNode value = get(field);
            if (!value.isNumber()) {
                throw error(field, "expected a number, found " + value);
            }
            return value.doubleValue();
        }

        private JsonNode array(String field) {
            JsonNode value = get(field);
            if (!value.isArray()) {
                throw error(field, "expected an array, found " + value);
            }
            return value;
        }

        int[] ints(String field) {
            JsonNode array = array(field);
            int[] values = new int[array.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = integer(field + "[" + i + "]", array.get(i));
            }
            return values;
        }

        long[] longs(String field) {
            JsonNode array = array(field);
            long[] values = new long[array.size()];
            for (int i = 0; i < values.length; i++) {
                JsonNode value = array.get(i);
                if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                    throw error(field + "[" + i + "]", "expected an integer, found " + value);
                }
                values[i] = value.longValue();
            }
            return values;
        }

        double[] numbers(String field) {
            JsonNode array = array(field);
            double[] values = new double[array.size()];
            for (int i = 0; i < values.length; i++) {
                JsonNode value = array.get(i);
                if (!value.isNumber()) {
                    throw error(field + "[" + i + "]", "expected a number, found " + value);
                }
                values[i] = value.doubleValue();
            }
            return values;
        }

        byte[] hex(String field) {
            try {
                return HexFormat.of().parseHex(text(field));
            } catch (IllegalArgumentException e) {
                throw error(field, "expected hexadecimal digit pairs: " + e.getMessage());
            }
        }

        <E extends Enum<E>> E choice(String field, Class<E> type) {
            String value = text(field);
            for (E e : type.getEnumConstants()) {
                if (lower(e).equals(value)) {
                    return e;
                }
            }
            throw error(field, "expected one of " + Arrays.stream(type.getEnumConstants()).map(GoldenRecord::lower)
                    .toList() + ", found \"" + value + "\"");
        }

        Fields object(String field) {
            JsonNode value = get(field);
            if (!value.isObject()) {
                throw error(field, "expected an object, found " + value);
            }
            return new Fields(value, prefix + field + ".", file, line);
        }

        /**
         * This object read as schedule options; values the options reject throw IllegalArgumentException. Routing is
         * uniform: golden records are functional runs, of dense models (MoE models run timing-only).
         */
        ScheduleOptions options() {
            return new ScheduleOptions(choice("fusion", Schedule.Fusion.class), bool("kernel_looping"),
                    bool("batch_streaming"), integer("offload_steps"), bool("hardware_orchestration"),
                    integer("batch"), ExpertRouting.UNIFORM);
        }
    }
}
