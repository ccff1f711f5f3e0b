package rdu.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.generate.Generation;
import rdu.generate.Generator;
import rdu.model.Checkpoint;
import rdu.sampling.Sampler;
import rdu.schedule.ScheduleOptions;

/**
 * Every model family against a reference implementation. scripts/reference-families writes, for each case, a tiny
 * random checkpoint in Hugging Face layout and what its own PyTorch implementation of the architecture computes: the
 * logits of every position, fed one at a time with a KV cache, and the greedy tokens (reference.json). It runs into
 * target/families when a case is missing there (installing PyTorch with apt-get the first time); a case it cannot
 * write fails here. The emulator must give every position's logits within {@link #TOLERANCE} and the same tokens, at
 * 1 and 2 sockets, with the optimization switches all on and all off, with the timing model running.
 */
class FamilyReferenceTest {

    static final List<String> CASES = List.of("llama-base", "llama-rope-linear", "llama-rope-dynamic",
            "llama-rope-yarn", "llama-rope-llama3", "llama-bias", "llama-head-dim", "qwen2", "qwen2-tied",
            "mistral-window", "mixtral", "qwen2-moe", "gemma", "gemma2", "phi3", "phi", "gpt2", "starcoder2");

    static final double TOLERANCE = 1e-4;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A reference case: its prompt, greedy tokens, and logits[i] after position i of prompt + tokens[:-1]. */
    record Reference(int[] prompt, int[] tokens, float[][] logits) {

        static Reference read(Path file) throws IOException {
            JsonNode json = JSON.readTree(file.toFile());
            JsonNode rows = json.get("logits");
            float[][] logits = new float[rows.size()][];
            for (int i = 0; i < logits.length; i++) {
                JsonNode row = rows.get(i);
                logits[i] = new float[row.size()];
                for (int j = 0; j < logits[i].length; j++) {
                    logits[i][j] = row.get(j).floatValue();
                }
            }
            return new Reference(ints(json.get("prompt_ids")), ints(json.get("tokens")), logits);
        }

        private static int[] ints(JsonNode array) {
            return IntStream.range(0, array.size()).map(i -> array.get(i).intValue()).toArray();
        }

        /** The tokens the model is fed: the prompt, then every generated token but the last. */
        int[] inputs() {
            int[] inputs = new int[prompt.length + tokens.length - 1];
            System.arraycopy(prompt, 0, inputs, 0, prompt.length);
            System.arraycopy(tokens, 0, inputs, prompt.length, tokens.length - 1);
            return inputs;
        }
    }

    /** The reference cases, written by scripts/reference-families when any is missing. */
    static synchronized Path references() throws IOException, InterruptedException {
        Path dir = Path.of("target", "families").toAbsolutePath();
        if (CASES.stream().allMatch(c -> Files.exists(dir.resolve(c).resolve("reference.json")))) {
            return dir;
        }
        Path script = Path.of(System.getProperty("rdu.root"), "scripts", "reference-families");
        Path log = Files.createTempFile("reference-families", ".log");
        Process process = new ProcessBuilder("bash", script.toString(), "--out", dir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int exit = process.waitFor();
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        if (exit != 0) {
            fail(script + " --out " + dir + " failed (exit " + exit + "):\n" + output);
        }
        for (String c : CASES) {
            if (!Files.exists(dir.resolve(c).resolve("reference.json"))) {
                fail(script + " wrote no case " + c + ":\n" + output);
            }
        }
        return dir;
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("CASES")
    void logitsAndTokensMatchTheReferenceOnOneAndTwoSocketsWithTheSwitchesOnAndOff(String name) throws Exception {
        Path dir = references().resolve(name);
        Reference reference = Reference.read(dir.resolve("reference.json"));
        Chip chip = ChipFile.load(ChipFile.DEFAULT);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) { // no tokenizer.json: prompts are token ids
            for (int sockets : new int[] {1, 2}) {
                for (boolean switches : new boolean[] {true, false}) {
                    ScheduleOptions options = switches ? ScheduleOptions.defaults()
                            : ScheduleOptions.defaults().withKernelLooping(false).withBatchStreaming(false)
                                    .withOffloadSteps(1);
                    var generator = new Generator(checkpoint, Generator.Setup.of(chip, options).withSockets(sockets));
                    String what = name + " on " + sockets + " socket(s), switches " + (switches ? "on" : "off");
                    float[][] scored = generator.score(reference.inputs());
                    for (int i = 0; i < scored.length; i++) {
                        assertClose(reference.logits()[i], scored[i], what + ", position " + i);
                    }
                    List<float[]> generatedLogits = new ArrayList<>();
                    Generation generation = generator.generate(reference.prompt(), reference.tokens().length,
                            new Sampler(0, 0, 1, 1),
                            (index, token, logits, text) -> generatedLogits.add(logits.clone()));
                    assertArrayEquals(reference.tokens(), generation.generatedIds(), what + ": greedy tokens");
                    int first = reference.prompt().length - 1;
                    for (int j = 0; j < generatedLogits.size(); j++) {
                        assertClose(reference.logits()[first + j], generatedLogits.get(j),
                                what + ", generated token " + j + " (prefill, then decode steps)");
                    }
                }
            }
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": logits");
        int worst = 0;
        for (int j = 0; j < expected.length; j++) {
            if (Math.abs(expected[j] - actual[j]) > Math.abs(expected[worst] - actual[worst])) {
                worst = j;
            }
        }
        if (!(Math.abs(expected[worst] - actual[worst]) <= TOLERANCE)) {
            fail(what + ": logit " + worst + " is " + actual[worst] + ", the reference's " + expected[worst]
                    + " (difference " + Math.abs(expected[worst] - actual[worst]) + " > " + TOLERANCE + ")");
        }
    }
}
