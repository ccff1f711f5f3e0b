package rdu.llama2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import rdu.family.Family;
import rdu.model.CheckpointException;
import rdu.model.HfConfig;
import rdu.model.LayerWeights;
import rdu.model.ModelConfig;
import rdu.model.ModelWeights;
import rdu.model.SharedFiles;
import rdu.rope.RopeLayout;
import rdu.safetensors.SafeTensorsFile;
import rdu.tensor.Tensor;

class Llama2cCheckpointTest {

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"stories260K/stories260K.bin, stories260K-hf", "llama2xs-260K/model.bin, llama2xs-260K-hf"})
    void matchesTheHuggingFaceConversionExactly(String bin, String hf) {
        try (Arena arena = Arena.ofConfined()) {
            Llama2cCheckpoint c = Llama2cCheckpoint.read(SharedFiles.model(bin), arena);
            ModelConfig hfConfig = HfConfig.read(SharedFiles.model(hf + "/config.json"));
            ModelConfig expected = new ModelConfig("llama2.c", hfConfig.hiddenSize(), hfConfig.intermediateSize(),
                    hfConfig.numLayers(), hfConfig.numHeads(), hfConfig.numKvHeads(), hfConfig.headDim(),
                    hfConfig.vocabSize(), hfConfig.maxPositions(), hfConfig.rmsNormEps(), hfConfig.ropeTheta(),
                    hfConfig.ropeScaling(), hfConfig.tiedEmbeddings(), hfConfig.bosTokenId(), List.of(1), Family.LLAMA);
            assertEquals(expected, c.config());

            var hfTensors = SafeTensorsFile.open(SharedFiles.model(hf + "/model.safetensors"), arena).tensors();
            ModelWeights w = c.weights();
            assertEquals(RopeLayout.INTERLEAVED, w.ropeLayout());
            assertSame(w.embedding(), w.classifier().weight());
            assertSameBytes(hfTensors.get("model.embed_tokens.weight"), w.embedding());
            assertSameBytes(hfTensors.get("model.norm.weight"), w.finalNorm().weight());
            int headSize = c.config().headDim();
            for (int l = 0; l < w.layers().size(); l++) {
                LayerWeights layer = w.layers().get(l);
                String p = "model.layers." + l + ".";
                assertSameBytes(hfTensors.get(p + "input_layernorm.weight"), layer.attentionNorm().weight());
                assertSameBytes(hfTensors.get(p + "self_attn.v_proj.weight"), layer.v().weight());
                assertSameBytes(hfTensors.get(p + "self_attn.o_proj.weight"), layer.o().weight());
                assertSameBytes(hfTensors.get(p + "post_attention_layernorm.weight"), layer.ffnNorm().weight());
                assertSameBytes(hfTensors.get(p + "mlp.gate_proj.weight"), layer.mlp().gate().weight());
                assertSameBytes(hfTensors.get(p + "mlp.up_proj.weight"), layer.mlp().up().weight());
                assertSameBytes(hfTensors.get(p + "mlp.down_proj.weight"), layer.mlp().down().weight());
                assertRopeRowPermutation(hfTensors.get(p + "self_attn.q_proj.weight"), layer.q().weight(), headSize);
                assertRopeRowPermutation(hfTensors.get(p + "self_attn.k_proj.weight"), layer.k().weight(), headSize);
            }
        }
    }

    /** Per head, HF row j*hs/2 + i holds llama2.c row 2i + j (rotate_half pairs vs interleaved pairs). */
    private static void assertRopeRowPermutation(Tensor hf, Tensor bin, int headSize) {
        assertArrayEquals(hf.shape(), bin.shape());
        assertNotEquals(-1, hf.data().mismatch(bin.data()), "rows must be permuted, not equal");
        long rowBytes = hf.dim(1) * Float.BYTES;
        for (int head = 0; head < hf.dim(0) / headSize; head++) {
            for (int i = 0; i < headSize / 2; i++) {
                for (int j = 0; j < 2; j++) {
                    MemorySegment hfRow = hf.data().asSlice((head * headSize + j * headSize / 2 + i) * rowBytes, rowBytes);
                    MemorySegment binRow = bin.data().asSlice((head * headSize + 2 * i + j) * rowBytes, rowBytes);
                    assertEquals(-1, hfRow.mismatch(binRow), hf.name() + " head " + head + " i " + i + " j " + j);
                }
            }
        }
    }

    private static void assertSameBytes(Tensor hf, Tensor bin) {
        assertArrayEquals(hf.shape(), bin.shape(), bin.name());
        assertEquals(-1, hf.data().mismatch(bin.data()), bin.name() + " differs from " + hf.name());
    }

    @Test
    void negativeVocabSizeMeansASeparateClassifierAtTheEnd() throws IOException {
        byte[] original = Files.readAllBytes(SharedFiles.model("stories260K/stories260K.bin"));
        int classifierBytes = 512 * 64 * Float.BYTES;
        ByteBuffer b = ByteBuffer.allocate(original.length + classifierBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(original).putInt(5 * Integer.BYTES, -512);
        for (int i = 0; i < 512 * 64; i++) {
            b.putFloat(original.length + i * Float.BYTES, i);
        }
        Path file = Files.write(dir.resolve("untied.bin"), b.array());
        try (Arena arena = Arena.ofConfined()) {
            Llama2cCheckpoint c = Llama2cCheckpoint.read(file, arena);
            assertFalse(c.config().tiedEmbeddings());
            assertEquals(512, c.config().vocabSize());
            Tensor classifier = c.weights().classifier().weight();
            assertEquals("output.weight", classifier.name());
            assertArrayEquals(new long[] {512, 64}, classifier.shape());
            assertEquals(12345f, classifier.data().getAtIndex(F32_LE, 12345));
        }
    }

    @Test
    void sizeMustMatchTheHeaderExactly() throws IOException {
        byte[] original = Files.readAllBytes(SharedFiles.model("stories260K/stories260K.bin"));
        assertError(write(Arrays.copyOf(original, original.length - 4)),
                "file size: expected 1056540 bytes (implied by the header), found 1056536 bytes (truncated)");
        assertError(write(Arrays.copyOf(original, original.length + 1)),
                "file size: expected 1056540 bytes (implied by the header), found 1056541 bytes (trailing bytes)");
        assertError(write(Arrays.copyOf(original, 20)), "header: expected 28 bytes (7 int32), found 20 bytes (truncated)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            0 | 0           | header dim: expected a positive int32, found 0
            3 | -8          | header n_heads: expected a positive int32, found -8
            3 | 7           | header dim: expected a multiple of n_heads (7) with an even head size (RoPE rotates pairs), found 64
            3 | 64          | header dim: expected a multiple of n_heads (64) with an even head size (RoPE rotates pairs), found 64
            4 | 3           | header n_kv_heads: expected a divisor of n_heads (8), found 3
            5 | 0           | header vocab_size: expected a non-zero int32 (negative = separate classifier), found 0
            6 | 0           | header seq_len: expected a positive int32, found 0
            """)
    void impossibleHeaderValuesAreNamed(int index, int value, String message) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(SharedFiles.model("stories260K/stories260K.bin")))
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(index * Integer.BYTES, value);
        assertError(write(b.array()), message);
    }

    @Test
    void sizesBeyondLongAreRejectedNotWrapped() throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(SharedFiles.model("stories260K/stories260K.bin")))
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(1 * Integer.BYTES, Integer.MAX_VALUE).putInt(2 * Integer.BYTES, Integer.MAX_VALUE);
        assertError(write(b.array()), "header: expected sizes whose arrays fit in a file, found more than 2^63 bytes");
    }

    private Path write(byte[] bytes) throws IOException {
        return Files.write(dir.resolve("model.bin"), bytes);
    }

    private static void assertError(Path file, String message) {
        try (Arena arena = Arena.ofConfined()) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Llama2cCheckpoint.read(file, arena));
            assertEquals(file, e.file());
            assertTrue(e.getMessage().endsWith(message), () -> "message \"" + e.getMessage() + "\" does not end with \"" + message + "\"");
        }
    }
}
