package rdu.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.chip.ChipFile;
import rdu.generate.Generator;
import rdu.generate.TokenListener;
import rdu.model.Checkpoint;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;
import rdu.regression.SharedModels;
import rdu.safetensors.SafeTensorsFile;
import rdu.safetensors.SafeTensorsWriter;
import rdu.sampling.Sampler;
import rdu.schedule.ScheduleOptions;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

class ConverterTest {

    private static final Converter.Listener QUIET = (done, total, current) -> { };
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    private static Path stories(String file) {
        return SharedModels.root().resolve("models").resolve(file);
    }

    private static Converter.Result convert(Path source, Path out, DType dtype) {
        return Converter.convert(new Converter.Request(source, out, dtype, false), QUIET);
    }

    private static int[] greedy(Path model, String prompt) {
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            var generator = new Generator(checkpoint, Generator.Setup.of(ChipFile.load(ChipFile.DEFAULT),
                    ScheduleOptions.defaults()).withTiming(Generator.Timing.OFF));
            TokenListener ignore = (index, token, logits, text) -> { };
            return generator.generate(prompt, 40, new Sampler(0, 0, 1, 1), ignore).generatedIds();
        }
    }

    @Test
    void aLlama2cModelConvertedToF32GeneratesTheSourcesGreedyTokens() {
        Path source = stories("stories260K/stories260K.bin");
        Path out = dir.resolve("stories-f32");
        convert(source, out, DType.F32);
        for (String prompt : List.of("Once upon a time", "The little dog", "Lily and Tom went to the")) {
            int[] expected = greedy(source, prompt);
            assertArrayEquals(expected, greedy(out, prompt), prompt);
            assertArrayEquals(expected, greedy(stories("stories260K-hf"), prompt), prompt);
        }
    }

    @Test
    void bf16WeightsAreTheF32WeightsRoundedToNearestEven() {
        Path reference = stories("stories260K-hf/model.safetensors"); // F32, Hugging Face layout, by the Python tool
        Path out = dir.resolve("stories-bf16");
        convert(stories("stories260K/stories260K.bin"), out, DType.BF16);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> f32 = SafeTensorsFile.open(reference, arena).tensors();
            Map<String, Tensor> bf16 = SafeTensorsFile.open(out.resolve("model.safetensors"), arena).tensors();
            assertEquals(f32.keySet(), bf16.keySet());
            for (var e : f32.entrySet()) {
                Tensor narrow = bf16.get(e.getKey());
                assertEquals(DType.BF16, narrow.dtype(), e.getKey());
                assertArrayEquals(e.getValue().shape(), narrow.shape(), e.getKey());
                for (long i = 0; i < narrow.elementCount(); i++) {
                    float value = e.getValue().data().get(F32, 4 * i);
                    assertEquals(roundedBf16(value), narrow.data().get(I16, 2 * i), e.getKey() + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void bf16RoundingMatchesTheNearestEvenOnTiesAndRandomValues() {
        var random = new SplittableRandom(7);
        List<Float> values = new ArrayList<>(List.of(1f, -0f, Float.MIN_VALUE, Float.MAX_VALUE / 2));
        for (int i = 0; i < 10_000; i++) {
            int bits = random.nextInt();
            values.add(Float.intBitsToFloat(bits));
            values.add(Float.intBitsToFloat(bits & 0xffff_0000 | 0x8000)); // exactly halfway between two BF16s
        }
        for (float v : values) {
            if (Float.isFinite(v) && Math.abs(v) < 0x1.fep127f) {
                assertEquals(roundedBf16(v), Converter.bf16(v), Float.toHexString(v));
            }
        }
        assertTrue(Float.isNaN(Float.intBitsToFloat(Converter.bf16(Float.intBitsToFloat(0x7f80_0001)) << 16)),
                "a NaN whose payload lies in the dropped bits stays a NaN");
    }

    /**
     * The BF16 nearest to {@code value}, worked out on the two neighbours by their distance (exact in double), ties
     * to the even one: not by the bit trick the converter uses.
     */
    private static short roundedBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int down = bits & 0xffff_0000; // towards zero
        int up = down + 0x1_0000;      // away from zero
        double below = Math.abs((double) value - Float.intBitsToFloat(down));
        double above = Math.abs((double) Float.intBitsToFloat(up) - value);
        int chosen = below < above ? down : above < below ? up : ((down >>> 16) & 1) == 0 ? down : up;
        return (short) (chosen >>> 16);
    }

    @Test
    void aSafetensorsSourceIsConvertedWithItsConfigAndTokenizer() throws IOException {
        Path fromHf = dir.resolve("from-hf");
        Path fromBin = dir.resolve("from-bin");
        convert(stories("stories260K-hf"), fromHf, DType.BF16);
        convert(stories("stories260K/stories260K.bin"), fromBin, DType.BF16);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> a = SafeTensorsFile.open(fromHf.resolve("model.safetensors"), arena).tensors();
            Map<String, Tensor> b = SafeTensorsFile.open(fromBin.resolve("model.safetensors"), arena).tensors();
            assertEquals(a.keySet(), b.keySet());
            for (String name : a.keySet()) {
                assertEquals(-1, a.get(name).data().mismatch(b.get(name).data()), name);
            }
        }
        assertArrayEquals(Files.readAllBytes(stories("stories260K-hf/tokenizer.json")),
                Files.readAllBytes(fromHf.resolve("tokenizer.json")));
        assertEquals("bfloat16", CheckpointFiles.readJsonObject(fromHf.resolve("config.json")).path("torch_dtype")
                .textValue());
        assertArrayEquals(greedy(fromBin, "Once upon a time"), greedy(fromHf, "Once upon a time"));
    }

    @Test
    void anExistingOutputIsLeftUntouchedWithoutForce() throws IOException {
        Path out = Files.createDirectory(dir.resolve("out"));
        Files.writeString(out.resolve("config.json"), "mine");
        var e = assertThrows(ConversionException.class,
                () -> convert(stories("stories260K/stories260K.bin"), out, DType.F32));
        assertTrue(e.getMessage().contains("already exists") && e.getMessage().contains("--force"), e.getMessage());
        assertEquals("mine", Files.readString(out.resolve("config.json")));
        assertEquals(List.of("out"), names(dir));

        Converter.convert(new Converter.Request(stories("stories260K/stories260K.bin"), out, DType.F32, true), QUIET);
        assertTrue(Files.exists(out.resolve("model.safetensors")), "--force replaces a checkpoint directory");
        assertEquals(List.of("out"), names(dir), "the replaced directory is gone, nothing is left beside it");
    }

    @Test
    void forceReplacesOnlyACheckpointDirectory() throws IOException {
        Path out = Files.createDirectory(dir.resolve("home"));
        Files.writeString(out.resolve("notes.txt"), "keep");
        var e = assertThrows(ConversionException.class, () -> Converter.convert(
                new Converter.Request(stories("stories260K/stories260K.bin"), out, DType.F32, true), QUIET));
        assertTrue(e.getMessage().contains("not a checkpoint directory"), e.getMessage());
        assertEquals("keep", Files.readString(out.resolve("notes.txt")));
    }

    @Test
    void aConversionFailingMidwayLeavesNothingAtTheOutputNorBesideIt() throws IOException {
        Path out = dir.resolve("out");
        Converter.Listener failing = (done, total, current) -> {
            if (done > 0) {
                throw new IllegalStateException("injected failure after " + done + " bytes");
            }
        };
        assertThrows(IllegalStateException.class, () -> Converter.convert(
                new Converter.Request(stories("stories260K/stories260K.bin"), out, DType.BF16, false), failing));
        assertEquals(List.of(), names(dir));
    }

    @Test
    void whatAKilledConversionLeftBesideTheOutputIsDeletedAndARunningOnesIsKept() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        Path killed = Files.createDirectory(dir.resolve(".out.partial-" + exited.pid() + "-123"));
        Files.writeString(killed.resolve("model.safetensors"), "half written");
        Path running = Files.createDirectory(dir.resolve(".out.partial-" + ProcessHandle.current().pid() + "-456"));
        Path otherOutput = Files.createDirectory(dir.resolve(".other.partial-" + exited.pid() + "-789"));

        convert(stories("stories260K/stories260K.bin"), dir.resolve("out"), DType.F32);

        assertEquals(List.of(".other.partial-" + exited.pid() + "-789", ".out.partial-"
                + ProcessHandle.current().pid() + "-456", "out"), names(dir));
        assertTrue(Files.isDirectory(running) && Files.isDirectory(otherOutput));
    }

    @Test
    void anUnwritableTargetIsRefusedAndCreatesNothing() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        var e = assertThrows(ConversionException.class,
                () -> convert(stories("stories260K/stories260K.bin"), notADirectory.resolve("out"), DType.F32));
        assertTrue(e.getMessage().contains("no such directory"), e.getMessage());
        assertEquals(List.of("file"), names(dir));
    }

    @Test
    void aTruncatedSourceIsNamedWithExpectedAndFoundSizes() throws IOException {
        Path source = Files.createDirectory(dir.resolve("src"));
        byte[] model = Files.readAllBytes(stories("stories260K/stories260K.bin"));
        Path bin = Files.write(source.resolve("model.bin"), Arrays.copyOf(model, model.length / 2));
        Files.copy(stories("stories260K/tok512.bin"), source.resolve("tokenizer.bin"));
        var e = assertThrows(CheckpointException.class, () -> convert(bin, dir.resolve("out"), DType.BF16));
        assertTrue(e.getMessage().startsWith(bin.toString()) && e.getMessage().contains("file size: expected "
                + model.length + " bytes") && e.getMessage().contains("truncated"), e.getMessage());
        assertEquals(List.of("src"), names(dir));
    }

    @Test
    void aTensorOfADtypeItDoesNotReadIsNamed() throws IOException {
        Path source = Files.createDirectory(dir.resolve("src"));
        for (String file : List.of("config.json", "tokenizer.json")) {
            Files.copy(stories("stories260K-hf").resolve(file), source.resolve(file));
        }
        try (Arena arena = Arena.ofConfined()) {
            List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
            for (Tensor t : SafeTensorsFile.open(stories("stories260K-hf/model.safetensors"), arena).tensors()
                    .values()) {
                boolean quantized = t.name().equals("model.norm.weight");
                entries.add(new SafeTensorsWriter.Entry(t.name(), quantized ? DType.I8 : t.dtype(), t.shape(),
                        quantized ? o -> o.write(new byte[(int) t.elementCount()])
                                : o -> o.write(t.data().toArray(ValueLayout.JAVA_BYTE))));
            }
            SafeTensorsWriter.write(source.resolve("model.safetensors"), Map.of(), entries);
        }
        var e = assertThrows(CheckpointException.class, () -> convert(source, dir.resolve("out"), DType.BF16));
        assertEquals(source + ": tensor \"model.norm.weight\" dtype: expected F32, BF16 or F16 (what rdu convert"
                + " reads), found I8", e.getMessage());
        assertFalse(Files.exists(dir.resolve("out")));
    }

    /**
     * stories260K as Mistral with a sliding window shorter than the run: the conversion keeps the config (the window)
     * and the tensors' names, so the converted model generates the source's tokens, not a Llama's without the window.
     */
    @Test
    void aFamilyOtherThanLlamaKeepsItsConfigAndTensorNames() throws IOException {
        Path source = Files.createDirectory(dir.resolve("src"));
        for (String file : List.of("model.safetensors", "tokenizer.json", "generation_config.json")) {
            Files.copy(stories("stories260K-hf").resolve(file), source.resolve(file));
        }
        Files.writeString(source.resolve("config.json"), Files.readString(stories("stories260K-hf/config.json"))
                .replace("LlamaForCausalLM", "MistralForCausalLM").replaceFirst("\\{", "{\"sliding_window\": 4, "));
        Path out = dir.resolve("out");
        convert(source, out, DType.F32);
        assertEquals(4, CheckpointFiles.readJsonObject(out.resolve("config.json")).path("sliding_window").intValue());
        assertArrayEquals(Files.readAllBytes(source.resolve("generation_config.json")),
                Files.readAllBytes(out.resolve("generation_config.json")));
        int[] windowed = greedy(source, "Once upon a time");
        assertFalse(Arrays.equals(greedy(stories("stories260K-hf"), "Once upon a time"), windowed),
                "the window must change the tokens for the test to tell it was kept");
        assertArrayEquals(windowed, greedy(out, "Once upon a time"));
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(SafeTensorsFile.open(source.resolve("model.safetensors"), arena).tensors().keySet(),
                    SafeTensorsFile.open(out.resolve("model.safetensors"), arena).tensors().keySet());
        }
    }

    private static List<String> names(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
