package rdu.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.generate.Generation;
import rdu.generate.Generator;
import rdu.generate.TokenListener;
import rdu.model.Checkpoint;
import rdu.runtime.StepRecord;
import rdu.sampling.Sampler;
import rdu.schedule.ScheduleOptions;
import rdu.timing.Pass;
import rdu.timing.Slice;
import rdu.timing.StepTiming;

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

    /** The reference cases, written by scripts/reference-families when any is missing or older than the script. */
    static synchronized Path references() throws IOException, InterruptedException {
        Path dir = Path.of("target", "families").toAbsolutePath();
        Path script = Path.of(System.getProperty("rdu.root"), "scripts", "reference-families");
        FileTime written = Files.getLastModifiedTime(script.resolveSibling("reference").resolve("families.py"));
        boolean current = true;
        for (String c : CASES) {
            Path reference = dir.resolve(c).resolve("reference.json");
            current &= Files.exists(reference) && Files.getLastModifiedTime(reference).compareTo(written) > 0;
        }
        if (current) {
            return dir;
        }
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

    /**
     * A run on real MoE weights streams, in each pass, the weights of exactly the experts the router chose for any of
     * the pass's positions: a multi-position prefill chunk too, where the routing formula's expected count
     * (E * (1 - (1 - k/E)^rows), not a whole number here) would give other bytes. The chosen experts are the
     * reference's (reference.json "routes"), their bytes the checkpoint's own tensor sizes (from the safetensors
     * header), split over the sockets.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mixtral", "qwen2-moe"})
    void eachPassStreamsTheExpertsTheReferenceRouterChoseForItsPositions(String name) throws Exception {
        Path dir = references().resolve(name);
        Reference reference = Reference.read(dir.resolve("reference.json"));
        JsonNode routes = JSON.readTree(dir.resolve("reference.json").toFile()).get("routes");
        Map<Integer, Map<Integer, Long>> expertBytes = expertBytes(dir.resolve("model.safetensors"));
        assertEquals(routes.size(), expertBytes.size(), name + ": MoE layers in reference.json and the checkpoint");
        Chip chip = ChipFile.load(ChipFile.DEFAULT);
        int chunk = 3; // the 5-position prompt in passes of 3 and 2 positions, then one-position decode steps
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            for (int sockets : new int[] {1, 2}) {
                var generator = new Generator(checkpoint, Generator.Setup.of(chip, ScheduleOptions.defaults())
                        .withTiming(Generator.Timing.TRACED).withSockets(sockets).withPrefillChunk(chunk));
                List<StepTiming> passes = new ArrayList<>();
                generator.generate(reference.prompt(), reference.tokens().length, new Sampler(0, 0, 1, 1),
                        new TokenListener() {
                            @Override
                            public void onToken(int index, int token, float[] logits, byte[] text) {
                            }

                            @Override
                            public void onStep(StepRecord step) {
                                passes.addAll(step.timings());
                            }
                        });
                assertEquals(Pass.Phase.PREFILL, passes.get(1).pass().phase(), name + ": the prompt takes two passes");
                for (StepTiming timing : passes) {
                    Pass pass = timing.pass();
                    for (var layer : expertBytes.entrySet()) {
                        Set<Integer> chosen = new TreeSet<>();
                        for (int p = pass.position(); p < pass.position() + pass.positions(); p++) {
                            routes.get(String.valueOf(layer.getKey())).get(p).forEach(e -> chosen.add(e.intValue()));
                        }
                        long expected = 0;
                        for (int e : chosen) {
                            long bytes = layer.getValue().get(e);
                            assertEquals(0, bytes % sockets, name + ": expert " + e + " splits evenly");
                            expected += bytes / sockets;
                        }
                        long streamed = timing.slices().stream().filter(s -> "Experts".equals(s.args().get("op"))
                                && layer.getKey().equals(s.args().get("layer"))).mapToLong(Slice::bytes).sum();
                        assertEquals(expected, streamed, name + " on " + sockets + " socket(s): layer "
                                + layer.getKey() + "'s expert bytes in the " + pass.phase().label()
                                + " pass over positions " + pass.position() + ".."
                                + (pass.position() + pass.positions() - 1) + " (experts " + chosen + ")");
                    }
                }
            }
        }
    }

    /** Per decoder layer, per expert: the bytes of its tensors (model.layers.L. ... experts.E. ...) in the file. */
    private static Map<Integer, Map<Integer, Long>> expertBytes(Path safetensors) throws IOException {
        JsonNode header;
        try (var in = Files.newInputStream(safetensors)) {
            long length = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            header = JSON.readTree(in.readNBytes(Math.toIntExact(length)));
        }
        Pattern expert = Pattern.compile("model\\.layers\\.(\\d+)\\..*\\.experts\\.(\\d+)\\..*");
        Map<Integer, Map<Integer, Long>> bytes = new TreeMap<>();
        for (var field : header.properties()) {
            Matcher m = expert.matcher(field.getKey());
            if (m.matches()) {
                JsonNode offsets = field.getValue().get("data_offsets");
                bytes.computeIfAbsent(Integer.parseInt(m.group(1)), l -> new TreeMap<>())
                        .merge(Integer.parseInt(m.group(2)), offsets.get(1).longValue() - offsets.get(0).longValue(),
                                Long::sum);
            }
        }
        return bytes;
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
