package rdu.llama2c;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import rdu.family.Family;
import rdu.model.Affine;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;
import rdu.model.LayerWeights;
import rdu.model.Mlp;
import rdu.model.ModelConfig;
import rdu.model.ModelWeights;
import rdu.rope.RopeLayout;
import rdu.tensor.DType;
import rdu.tensor.Tensor;

/**
 * A llama2.c legacy (version 0) checkpoint: a header of 7 little-endian int32 (dim, hidden_dim, n_layers, n_heads,
 * n_kv_heads, vocab_size, seq_len), then float32 arrays, each holding one kind of weight for all layers.
 * Tensors are slices of the mapped file with Hugging Face shapes ([out, in]) and Meta's names; wq/wk rows keep
 * llama2.c's interleaved RoPE order. A negative vocab_size means a separate classifier follows the other arrays.
 */
public record Llama2cCheckpoint(ModelConfig config, ModelWeights weights) {

    public static final String ARCHITECTURE = "llama2.c";
    private static final int HEADER_BYTES = 7 * Integer.BYTES;
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Maps {@code file} into {@code arena}; the tensors live as long as the arena. */
    public static Llama2cCheckpoint read(Path file, Arena arena) {
        MemorySegment mapped = CheckpointFiles.map(file, arena);
        if (mapped.byteSize() < HEADER_BYTES) {
            throw new CheckpointException(file, "header", HEADER_BYTES + " bytes (7 int32)",
                    mapped.byteSize() + " bytes (truncated)");
        }
        int dim = positive(file, mapped, 0, "dim");
        int hidden = positive(file, mapped, 1, "hidden_dim");
        int layers = positive(file, mapped, 2, "n_layers");
        int heads = positive(file, mapped, 3, "n_heads");
        int kvHeads = positive(file, mapped, 4, "n_kv_heads");
        int signedVocab = mapped.get(I32_LE, 5 * Integer.BYTES);
        int seqLen = positive(file, mapped, 6, "seq_len");
        if (signedVocab == 0 || signedVocab == Integer.MIN_VALUE) {
            throw new CheckpointException(file, "header vocab_size",
                    "a non-zero int32 (negative = separate classifier)", String.valueOf(signedVocab));
        }
        if (dim % heads != 0 || (dim / heads) % 2 != 0) {
            throw new CheckpointException(file, "header dim", "a multiple of n_heads (" + heads
                    + ") with an even head size (RoPE rotates pairs)", String.valueOf(dim));
        }
        if (heads % kvHeads != 0) {
            throw new CheckpointException(file, "header n_kv_heads", "a divisor of n_heads (" + heads + ")",
                    String.valueOf(kvHeads));
        }
        boolean shared = signedVocab > 0;
        long vocab = Math.abs(signedVocab);
        int headSize = dim / heads;
        long kvDim = (long) kvHeads * headSize;
        long expected;
        try {
            long[] arrayFloats = {
                    Math.multiplyExact(vocab, dim),                                   // token_embedding
                    (long) layers * dim,                                              // rms_att
                    Math.multiplyExact((long) layers * dim, dim),                     // wq
                    Math.multiplyExact(Math.multiplyExact(2L * layers, kvDim), dim),  // wk, wv
                    Math.multiplyExact((long) layers * dim, dim),                     // wo
                    (long) layers * dim,                                              // rms_ffn
                    Math.multiplyExact(Math.multiplyExact(3L * layers, hidden), dim), // w1, w2, w3
                    dim,                                                              // rms_final
                    2L * seqLen * (headSize / 2),                                     // freq_cis_real, freq_cis_imag
                    shared ? 0 : Math.multiplyExact(vocab, dim)};                     // wcls
            long floats = 0;
            for (long n : arrayFloats) {
                floats = Math.addExact(floats, n);
            }
            expected = Math.addExact(HEADER_BYTES, Math.multiplyExact(floats, Float.BYTES));
        } catch (ArithmeticException e) {
            throw new CheckpointException(file, "header", "sizes whose arrays fit in a file", "more than 2^63 bytes");
        }
        if (mapped.byteSize() != expected) {
            throw new CheckpointException(file, "file size", expected + " bytes (implied by the header)",
                    mapped.byteSize() + " bytes (" + (mapped.byteSize() < expected ? "truncated" : "trailing bytes") + ")");
        }

        Slicer s = new Slicer(mapped);
        Tensor embedding = s.next("tok_embeddings.weight", vocab, dim);
        List<Tensor> attentionNorm = s.perLayer(layers, "attention_norm.weight", dim);
        List<Tensor> wq = s.perLayer(layers, "attention.wq.weight", dim, dim);
        List<Tensor> wk = s.perLayer(layers, "attention.wk.weight", kvDim, dim);
        List<Tensor> wv = s.perLayer(layers, "attention.wv.weight", kvDim, dim);
        List<Tensor> wo = s.perLayer(layers, "attention.wo.weight", dim, dim);
        List<Tensor> ffnNorm = s.perLayer(layers, "ffn_norm.weight", dim);
        List<Tensor> w1 = s.perLayer(layers, "feed_forward.w1.weight", hidden, dim);
        List<Tensor> w2 = s.perLayer(layers, "feed_forward.w2.weight", dim, hidden);
        List<Tensor> w3 = s.perLayer(layers, "feed_forward.w3.weight", hidden, dim);
        Tensor finalNorm = s.next("norm.weight", dim);
        s.skip(2L * seqLen * (headSize / 2)); // precomputed RoPE tables; run.c ignores them too
        Tensor classifier = shared ? embedding : s.next("output.weight", vocab, dim);

        List<LayerWeights> layerWeights = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            layerWeights.add(LayerWeights.llama(attentionNorm.get(l), wq.get(l), wk.get(l), wv.get(l), wo.get(l),
                    ffnNorm.get(l), Mlp.gated(w1.get(l), w3.get(l), w2.get(l))));
        }
        ModelConfig config = new ModelConfig(ARCHITECTURE, dim, hidden, layers, heads, kvHeads, headSize,
                (int) vocab, seqLen, 1e-5f, 10000, null, shared, 1, List.of(1), // run.c stops when BOS is sampled
                Family.LLAMA);
        return new Llama2cCheckpoint(config, new ModelWeights(embedding, null, layerWeights, Affine.of(finalNorm),
                Affine.of(classifier), RopeLayout.INTERLEAVED));
    }

    /**
     * The tokenizer that run.c would be given for {@code modelFile}: tokenizer.bin beside it, else the only tok*.bin.
     */
    public static Path tokenizerBeside(Path modelFile) {
        Path dir = modelFile.toAbsolutePath().getParent();
        Path standard = dir.resolve("tokenizer.bin");
        if (Files.exists(standard)) {
            return standard;
        }
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, "tok*.bin")) {
            for (Path p : found) {
                if (!p.getFileName().equals(modelFile.getFileName())) {
                    candidates.add(p);
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(dir, "cannot list the directory: " + CheckpointFiles.reason(e), e);
        }
        if (candidates.size() != 1) {
            throw new CheckpointException(dir, "llama2.c tokenizer",
                    "tokenizer.bin, or exactly one tok*.bin, beside " + modelFile.getFileName(),
                    candidates.isEmpty() ? "none"
                            : candidates.stream().map(p -> p.getFileName().toString()).sorted().toList().toString());
        }
        return candidates.getFirst();
    }

    private static int positive(Path file, MemorySegment mapped, int index, String field) {
        int value = mapped.get(I32_LE, (long) index * Integer.BYTES);
        if (value <= 0) {
            throw new CheckpointException(file, "header " + field, "a positive int32", String.valueOf(value));
        }
        return value;
    }

    /** Cuts consecutive float32 arrays off the mapped file, after the header. */
    private static final class Slicer {
        private final MemorySegment mapped;
        private long offset = HEADER_BYTES;

        Slicer(MemorySegment mapped) {
            this.mapped = mapped;
        }

        Tensor next(String name, long... shape) {
            long bytes = Tensor.elementCount(shape) * Float.BYTES;
            Tensor t = new Tensor(name, DType.F32, shape, mapped.asSlice(offset, bytes));
            offset += bytes;
            return t;
        }

        List<Tensor> perLayer(int layers, String name, long... shape) {
            List<Tensor> list = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                list.add(next("layers." + l + "." + name, shape));
            }
            return list;
        }

        void skip(long floats) {
            offset += floats * Float.BYTES;
        }
    }
}
