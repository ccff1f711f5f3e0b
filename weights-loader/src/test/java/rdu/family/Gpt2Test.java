package rdu.family;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.model.CheckpointException;
import rdu.model.HfConfig;
import rdu.model.HfWeights;
import rdu.model.LayerWeights;
import rdu.model.ModelConfig;
import rdu.model.ModelWeights;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

/** GPT-2's own config fields, and its Conv1D tensors: transposed at load, named with or without "transformer.". */
class Gpt2Test {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @TempDir
    Path dir;

    private ModelConfig config(String extra) throws IOException {
        return HfConfig.read(Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"GPT2LMHeadModel\"],"
                + " \"n_embd\": 8, \"n_layer\": 1, \"n_head\": 2, \"n_positions\": 16, \"vocab_size\": 32,"
                + " \"n_inner\": null, \"activation_function\": \"gelu_new\", \"layer_norm_epsilon\": 1e-5" + extra
                + "}"));
    }

    @Test
    void readsItsOwnFieldNames() throws IOException {
        ModelConfig c = config("");
        assertEquals(8, c.hiddenSize());
        assertEquals(32, c.intermediateSize(), "n_inner null: 4 * n_embd");
        assertEquals(16, c.maxPositions());
        assertEquals(4, c.headDim());
        assertEquals(Family.Positions.LEARNED, c.family().positions());
        assertTrue(c.tiedEmbeddings());
        var e = assertThrows(CheckpointException.class, () -> config(", \"scale_attn_by_inverse_layer_idx\": true"));
        assertTrue(e.getMessage().contains("scale_attn_by_inverse_layer_idx: expected false"), e.getMessage());
    }

    @Test
    void conv1dWeightsAreTransposedAndTheTransformerPrefixIsOptional() throws IOException {
        ModelConfig c = config("");
        try (Arena arena = Arena.ofConfined()) {
            for (String prefix : new String[] {"transformer.", ""}) {
                Map<String, Tensor> tensors = new HashMap<>();
                tensor(tensors, arena, prefix + "wte.weight", 32, 8);
                tensor(tensors, arena, prefix + "wpe.weight", 16, 8);
                for (String norm : new String[] {"h.0.ln_1", "h.0.ln_2", "ln_f"}) {
                    tensor(tensors, arena, prefix + norm + ".weight", 8);
                    tensor(tensors, arena, prefix + norm + ".bias", 8);
                }
                for (String[] conv : new String[][] {{"attn.c_attn", "8", "24"}, {"attn.c_proj", "8", "8"},
                    {"mlp.c_fc", "8", "32"}, {"mlp.c_proj", "32", "8"}}) {
                    int in = Integer.parseInt(conv[1]);
                    int out = Integer.parseInt(conv[2]);
                    tensor(tensors, arena, prefix + "h.0." + conv[0] + ".weight", in, out);
                    tensor(tensors, arena, prefix + "h.0." + conv[0] + ".bias", out);
                }
                ModelWeights w = HfWeights.assemble(tensors, c, dir, arena);
                LayerWeights layer = w.layers().getFirst();
                Tensor stored = tensors.get(prefix + "h.0.attn.c_attn.weight"); // [8 in, 24 out]: q, k, v columns
                Tensor k = layer.k().weight();
                assertArrayEquals(new long[] {8, 8}, k.shape(), "k: rows 8..15 of the transposed [24, 8]");
                for (int o = 0; o < 8; o++) {
                    for (int i = 0; i < 8; i++) {
                        assertEquals(stored.data().getAtIndex(F32, i * 24L + 8 + o),
                                k.data().getAtIndex(F32, o * 8L + i), prefix + " k[" + o + "][" + i + "]");
                    }
                }
                assertEquals(tensors.get(prefix + "h.0.attn.c_attn.bias").data().getAtIndex(F32, 16),
                        layer.v().bias().data().getAtIndex(F32, 0), "v's bias: elements 16..23 of c_attn's");
                assertArrayEquals(new long[] {32, 8}, layer.mlp().up().weight().shape(), "c_fc as [out, in]");
            }
        }
    }

    /** A tensor of {@code shape} whose element i holds i. */
    private static void tensor(Map<String, Tensor> tensors, Arena arena, String name, long... shape) {
        long n = Tensor.elementCount(shape);
        MemorySegment data = arena.allocate(n * Float.BYTES);
        for (long i = 0; i < n; i++) {
            data.setAtIndex(F32, i, i);
        }
        tensors.put(name, new Tensor(name, DType.F32, shape, data));
    }
}
