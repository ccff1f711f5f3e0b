package rdu.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import rdu.convert.Converter;
import rdu.safetensors.SafeTensorsWriter;
import rdu.tensor.DType;

/**
 * Writes a random Llama-architecture checkpoint in Hugging Face layout (config.json, model.safetensors in BF16,
 * a borrowed tokenizer.json) of about a requested size, from a seed. For speed and memory benchmarks only: the
 * weights are noise, so is the text. Shapes are those of a 1-2B model (hidden 2048, MLP 5632, GQA 16/4) with as
 * many layers as the size asks for.
 */
public final class SyntheticCheckpoint {

    static final int HIDDEN = 2048;
    static final int INTERMEDIATE = 5632;
    static final int HEADS = 16;
    static final int KV_HEADS = 4;
    static final int HEAD_DIM = HIDDEN / HEADS;
    static final int CONTEXT = 2048;

    private SyntheticCheckpoint() {
    }

    /** Parameters of one decoder layer: q, k, v, o, gate, up, down and two norms. */
    static long layerParameters() {
        long kvDim = (long) KV_HEADS * HEAD_DIM;
        return 2L * HIDDEN * HIDDEN + 2 * kvDim * HIDDEN + 3L * HIDDEN * INTERMEDIATE + 2L * HIDDEN;
    }

    /**
     * Writes the checkpoint into {@code dir}, with the vocabulary of {@code tokenizerJson} ({@code vocabSize} ids).
     *
     * @return the number of layers chosen
     */
    public static int write(Path dir, long targetBytes, long seed, Path tokenizerJson, int vocabSize)
            throws IOException {
        int layers = (int) Math.max(1, Math.round((double) targetBytes / (layerParameters() * DType.BF16.bytes())));
        Files.createDirectories(dir);
        Files.write(dir.resolve("tokenizer.json"), Files.readAllBytes(tokenizerJson));
        writeConfig(dir.resolve("config.json"), layers, vocabSize);

        var seeds = new SplittableRandom(seed);
        List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
        entries.add(random("model.embed_tokens.weight", seeds.split(), vocabSize, HIDDEN));
        long kvDim = (long) KV_HEADS * HEAD_DIM;
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            entries.add(ones(p + "input_layernorm.weight", HIDDEN));
            entries.add(random(p + "self_attn.q_proj.weight", seeds.split(), HIDDEN, HIDDEN));
            entries.add(random(p + "self_attn.k_proj.weight", seeds.split(), kvDim, HIDDEN));
            entries.add(random(p + "self_attn.v_proj.weight", seeds.split(), kvDim, HIDDEN));
            entries.add(random(p + "self_attn.o_proj.weight", seeds.split(), HIDDEN, HIDDEN));
            entries.add(ones(p + "post_attention_layernorm.weight", HIDDEN));
            entries.add(random(p + "mlp.gate_proj.weight", seeds.split(), INTERMEDIATE, HIDDEN));
            entries.add(random(p + "mlp.up_proj.weight", seeds.split(), INTERMEDIATE, HIDDEN));
            entries.add(random(p + "mlp.down_proj.weight", seeds.split(), HIDDEN, INTERMEDIATE));
        }
        entries.add(ones("model.norm.weight", HIDDEN));
        SafeTensorsWriter.write(dir.resolve("model.safetensors"),
                Map.of("format", "pt", "rdu-emu", "synthetic benchmark checkpoint, seed " + seed), entries);
        return layers;
    }

    private static void writeConfig(Path file, int layers, int vocabSize) throws IOException {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", HIDDEN);
        c.put("intermediate_size", INTERMEDIATE);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", HEADS);
        c.put("num_key_value_heads", KV_HEADS);
        c.put("head_dim", HEAD_DIM);
        c.put("vocab_size", vocabSize);
        c.put("max_position_embeddings", CONTEXT);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("tie_word_embeddings", true);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.put("torch_dtype", "bfloat16");
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), c);
    }

    /** Uniform in [-a, a] with a = sqrt(3 / in): unit-variance inputs give unit-variance outputs, so nothing overflows. */
    private static SafeTensorsWriter.Entry random(String name, SplittableRandom random, long rows, long cols) {
        float scale = (float) Math.sqrt(3.0 / cols);
        return new SafeTensorsWriter.Entry(name, DType.BF16, new long[] {rows, cols},
                out -> writeBf16(out, rows * cols, () -> (random.nextFloat() * 2 - 1) * scale));
    }

    private static SafeTensorsWriter.Entry ones(String name, long n) {
        return new SafeTensorsWriter.Entry(name, DType.BF16, new long[] {n}, out -> writeBf16(out, n, () -> 1f));
    }

    private interface FloatSource {
        float next();
    }

    private static void writeBf16(OutputStream sink, long count, FloatSource values) throws IOException {
        var out = new BufferedOutputStream(sink, 1 << 16);
        for (long i = 0; i < count; i++) {
            short bf16 = Converter.bf16(values.next());
            out.write(bf16);
            out.write(bf16 >>> 8);
        }
        out.flush();
    }
}
