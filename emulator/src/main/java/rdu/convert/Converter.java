package rdu.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import rdu.llama2c.Llama2cCheckpoint;
import rdu.model.Checkpoint;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;
import rdu.model.ModelConfig;
import rdu.model.ModelWeights;
import rdu.rope.RopeLayout;
import rdu.safetensors.SafeTensorsDirectory;
import rdu.safetensors.SafeTensorsWriter;
import rdu.tensor.DType;
import rdu.tensor.Tensor;
import rdu.tokenizer.Llama2cTokenizerJson;

/**
 * Converts a checkpoint the loader reads (a llama2.c .bin, a Hugging Face safetensors checkpoint of any family) to a
 * Hugging Face model directory of one dtype: model.safetensors, config.json, the tokenizer files. A Hugging Face
 * checkpoint keeps its tensors' names and shapes and its config (only the dtype changes); a llama2.c one becomes a
 * Llama, its wq/wk rows reordered from interleaved RoPE pairs to Hugging Face's halves, as transformers' converter
 * does. Everything is written into a hidden directory beside the output and renamed to it only when complete, so a
 * failed conversion leaves nothing at the output path.
 */
public final class Converter {

    /** The dtypes a conversion reads and writes: the ones the kernels widen to F32. */
    public static final Set<DType> DTYPES = Set.of(DType.F32, DType.BF16, DType.F16);

    /** Files of a Hugging Face directory copied as they are (config.json is rewritten for the new dtype). */
    static final List<String> COPIED = List.of("generation_config.json", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "added_tokens.json", "vocab.json", "merges.txt",
            "chat_template.jinja");

    private static final int CHUNK_BYTES = 1 << 20;
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Told how many of the total weight bytes are written, after each chunk. */
    @FunctionalInterface
    public interface Listener {
        void update(long done, long total, String current);
    }

    /**
     * @param source a checkpoint as {@code rdu generate --model} takes it
     * @param out    the directory to create
     * @param force  replace {@code out} if it is a checkpoint directory (or empty)
     */
    public record Request(Path source, Path out, DType dtype, boolean force) {
    }

    /** What was written. */
    public record Result(String sourceFormat, int tensors, long weightBytes) {
    }

    private Converter() {
    }

    public static Result convert(Request request, Listener listener) {
        if (!DTYPES.contains(request.dtype())) {
            throw new ConversionException("output dtype: expected one of F32, BF16, F16, found " + request.dtype());
        }
        Path out = request.out().toAbsolutePath().normalize();
        checkOutput(out, request.force());
        // the checkpoint is opened (and so validated) as rdu generate opens it; a Hugging Face one's tensors are then
        // written from its files, as they are there (a family's loader may split, transpose or rename them)
        try (Checkpoint checkpoint = Checkpoint.open(request.source()); Arena arena = Arena.ofConfined()) {
            boolean llama2c = checkpoint.config().architecture().equals(Llama2cCheckpoint.ARCHITECTURE);
            List<Named> tensors = llama2c ? llama2cTensors(checkpoint.config(), checkpoint.weights())
                    : SafeTensorsDirectory.open(request.source(), arena).values().stream()
                            .map(t -> new Named(t.name(), t, 0)).toList();
            for (Named n : tensors) {
                if (!DTYPES.contains(n.tensor().dtype())) {
                    throw new CheckpointException(request.source(), "tensor " + CheckpointFiles.quoted(n.name())
                            + " dtype", "F32, BF16 or F16 (what rdu convert reads)", n.tensor().dtype().toString());
                }
            }
            deleteLeftovers(out);
            // created like any directory (not createTempDirectory's owner-only mode): it becomes the output as it is
            Path temporary = Files.createDirectory(sibling(out, "partial"));
            try {
                if (llama2c) {
                    writeLlama2cFiles(checkpoint, request.dtype(), temporary);
                } else {
                    writeHfFiles(request.source(), request.dtype(), temporary);
                }
                List<SafeTensorsWriter.Entry> entries = entries(tensors, request.dtype(), listener);
                Path weights = temporary.resolve(SafeTensorsDirectory.SINGLE_FILE);
                SafeTensorsWriter.write(weights, Map.of("format", "pt"), entries);
                try (FileChannel channel = FileChannel.open(weights, StandardOpenOption.WRITE)) {
                    channel.force(true); // on disk before the rename makes it the checkpoint
                }
                commit(temporary, out, request.force());
                long bytes = entries.stream().mapToLong(SafeTensorsWriter.Entry::byteSize).sum();
                return new Result(llama2c ? "llama2.c" : "safetensors", entries.size(), bytes);
            } finally {
                deleteTree(temporary); // gone after a rename; after a failure, whatever was written so far
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + out, e);
        }
    }

    /** Refuses an output that exists, unless forced to replace a checkpoint directory; and one with no parent. */
    private static void checkOutput(Path out, boolean force) {
        Path parent = out.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new ConversionException(out + ": cannot write it: no such directory " + parent);
        }
        if (!Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!force) {
            throw new ConversionException(out + ": already exists; pass --force to replace it");
        }
        if (!Files.isDirectory(out, LinkOption.NOFOLLOW_LINKS) || !replaceable(out)) {
            throw new ConversionException(out + ": exists and is not a checkpoint directory (no config.json or "
                    + SafeTensorsDirectory.SINGLE_FILE + "); refusing to replace it even with --force");
        }
    }

    /** An empty directory or one holding a checkpoint: what --force may delete. */
    private static boolean replaceable(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext() || Files.exists(dir.resolve("config.json"))
                    || Files.exists(dir.resolve(SafeTensorsDirectory.SINGLE_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + dir, e);
        }
    }

    /** Moves the finished directory to {@code out}; a replaced one is moved aside first and deleted after. */
    private static void commit(Path temporary, Path out, boolean force) throws IOException {
        if (force && Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
            Path old = sibling(out, "old");
            Files.move(out, old, StandardCopyOption.ATOMIC_MOVE);
            try {
                Files.move(temporary, out, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                Files.move(old, out, StandardCopyOption.ATOMIC_MOVE);
                throw e;
            }
            deleteTree(old);
        } else {
            Files.move(temporary, out, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /**
     * Deletes what conversions to {@code out} killed midway left beside it (a kill -9 runs no cleanup): hidden
     * partial directories whose process is gone. A running conversion's are left alone, and so is a replaced
     * checkpoint moved aside ("old"), which a kill between the two renames of {@link #commit} leaves as the only copy.
     */
    private static void deleteLeftovers(Path out) throws IOException {
        Pattern leftover = Pattern.compile(Pattern.quote("." + out.getFileName() + ".") + "partial-(\\d+)-\\d+");
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(out.getParent())) {
            for (Path sibling : siblings) {
                Matcher m = leftover.matcher(sibling.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    deleteTree(sibling);
                }
            }
        }
    }

    /** A hidden name beside {@code out} that no other run picks. */
    private static Path sibling(Path out, String role) {
        return out.resolveSibling("." + out.getFileName() + "." + role + "-" + ProcessHandle.current().pid() + "-"
                + System.nanoTime());
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** config.json and the tokenizer files of a Hugging Face source, beside its weights. */
    private static void writeHfFiles(Path source, DType dtype, Path dir) throws IOException {
        Path from = Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
        ObjectNode config = (ObjectNode) CheckpointFiles.readJsonObject(from.resolve("config.json"));
        config.put("torch_dtype", torchName(dtype));
        if (config.has("dtype")) { // the name newer transformers write
            config.put("dtype", torchName(dtype));
        }
        writeJson(dir.resolve("config.json"), config);
        for (String name : COPIED) {
            if (Files.isRegularFile(from.resolve(name))) {
                Files.copy(from.resolve(name), dir.resolve(name));
            }
        }
    }

    /** The Hugging Face files of a llama2.c model, as ../shared/tools/llama2c_to_hf.py writes them. */
    private static void writeLlama2cFiles(Checkpoint checkpoint, DType dtype, Path dir) throws IOException {
        ModelConfig c = checkpoint.config();
        ObjectNode config = CheckpointFiles.JSON.createObjectNode();
        config.putArray("architectures").add("LlamaForCausalLM");
        config.put("model_type", "llama").put("vocab_size", c.vocabSize()).put("hidden_size", c.hiddenSize())
                .put("intermediate_size", c.intermediateSize()).put("num_hidden_layers", c.numLayers())
                .put("num_attention_heads", c.numHeads()).put("num_key_value_heads", c.numKvHeads())
                .put("head_dim", c.headDim()).put("hidden_act", "silu")
                .put("max_position_embeddings", c.maxPositions()).put("rms_norm_eps", 1e-5)
                .put("rope_theta", c.ropeTheta()).putNull("rope_scaling");
        config.put("attention_bias", false).put("mlp_bias", false).put("tie_word_embeddings", c.tiedEmbeddings())
                .put("bos_token_id", c.bosTokenId()).put("eos_token_id", 2).put("torch_dtype", torchName(dtype));
        writeJson(dir.resolve("config.json"), config);
        // run.c stops only when the model emits BOS, and so does the llama2.c loader: the converted model too
        ObjectNode generation = CheckpointFiles.JSON.createObjectNode().put("bos_token_id", c.bosTokenId());
        c.eosTokenIds().forEach(generation.putArray("eos_token_id")::add);
        writeJson(dir.resolve("generation_config.json"), generation.put("do_sample", false));
        writeJson(dir.resolve("tokenizer.json"), Llama2cTokenizerJson.of(
                Llama2cCheckpoint.tokenizerBeside(checkpoint.source()), c.vocabSize()));
        writeJson(dir.resolve("tokenizer_config.json"), CheckpointFiles.JSON.createObjectNode()
                .put("tokenizer_class", "LlamaTokenizerFast").put("bos_token", "<s>").put("eos_token", "</s>")
                .put("unk_token", "<unk>").put("add_bos_token", true).put("add_eos_token", false)
                .put("legacy", true).put("model_max_length", c.maxPositions()));
        writeJson(dir.resolve("special_tokens_map.json"), CheckpointFiles.JSON.createObjectNode()
                .put("bos_token", "<s>").put("eos_token", "</s>").put("unk_token", "<unk>"));
    }

    private static void writeJson(Path file, JsonNode json) throws IOException {
        CheckpointFiles.JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
    }

    private static String torchName(DType dtype) {
        return switch (dtype) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> throw new IllegalArgumentException("no torch name for " + dtype);
        };
    }

    /**
     * A tensor to write under its Hugging Face name; {@code permutedHeadDim} > 0 for llama2.c's wq and wk, whose rows
     * go from interleaved RoPE pairs to halves, per head of that size.
     */
    private record Named(String name, Tensor tensor, int permutedHeadDim) {
    }

    /** A llama2.c model's tensors under the names transformers gives a Llama's. */
    private static List<Named> llama2cTensors(ModelConfig config, ModelWeights weights) {
        boolean interleaved = weights.ropeLayout() == RopeLayout.INTERLEAVED;
        List<Named> tensors = new ArrayList<>();
        tensors.add(new Named("model.embed_tokens.weight", weights.embedding(), 0));
        for (int l = 0; l < weights.layers().size(); l++) {
            String p = "model.layers." + l + ".";
            List<String> names = List.of(p + "input_layernorm.weight", p + "self_attn.q_proj.weight",
                    p + "self_attn.k_proj.weight", p + "self_attn.v_proj.weight", p + "self_attn.o_proj.weight",
                    p + "post_attention_layernorm.weight", p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight",
                    p + "mlp.down_proj.weight");
            List<Tensor> layer = weights.layers().get(l).tensors(); // a Llama layer's, in the order of the names
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                boolean permuted = interleaved && (name.endsWith("q_proj.weight") || name.endsWith("k_proj.weight"));
                tensors.add(new Named(name, layer.get(i), permuted ? config.headDim() : 0));
            }
        }
        tensors.add(new Named("model.norm.weight", weights.finalNorm().weight(), 0));
        if (!config.tiedEmbeddings()) {
            tensors.add(new Named("lm_head.weight", weights.classifier().weight(), 0));
        }
        return tensors;
    }

    /** The tensors' entries, converted to {@code dtype} as they are written. */
    private static List<SafeTensorsWriter.Entry> entries(List<Named> tensors, DType dtype, Listener listener) {
        long total = 0;
        for (Named n : tensors) {
            total += n.tensor().elementCount() * dtype.bytes();
        }
        long[] done = {0};
        long totalBytes = total;
        List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
        for (Named n : tensors) {
            entries.add(new SafeTensorsWriter.Entry(n.name(), dtype, n.tensor().shape(), stream -> {
                writeConverted(n.tensor(), n.permutedHeadDim(), dtype, stream, written -> {
                    done[0] += written;
                    listener.update(done[0], totalBytes, n.name());
                });
            }));
        }
        return entries;
    }

    private interface Written {
        void bytes(long count);
    }

    /**
     * Writes {@code t}'s elements as {@code dtype}, row by row; with {@code headDim} > 0 the rows of each head go from
     * interleaved RoPE pairs to halves: output row j * headDim/2 + i of a head is input row 2i + j.
     */
    private static void writeConverted(Tensor t, int headDim, DType dtype, OutputStream out, Written written)
            throws IOException {
        long rows = t.rank() == 2 ? t.dim(0) : 1;
        long cols = t.rank() == 2 ? t.dim(1) : t.elementCount();
        long rowStride = t.rank() == 2 ? t.rowStride() : cols;
        int chunkElements = CHUNK_BYTES / Float.BYTES;
        byte[] buffer = new byte[CHUNK_BYTES];
        MemorySegment target = MemorySegment.ofArray(buffer);
        int filled = 0;
        for (long r = 0; r < rows; r++) {
            long from = r;
            if (headDim > 0) {
                long within = r % headDim;
                long half = headDim / 2;
                from = r - within + 2 * (within % half) + within / half;
            }
            for (long c = 0; c < cols; c += chunkElements) {
                int n = (int) Math.min(chunkElements, cols - c);
                if (filled + n * dtype.bytes() > buffer.length) {
                    out.write(buffer, 0, filled);
                    written.bytes(filled);
                    filled = 0;
                }
                convert(t.dtype(), t.data(), (from * rowStride + c) * t.dtype().bytes(), dtype, target, filled, n);
                filled += n * dtype.bytes();
            }
        }
        out.write(buffer, 0, filled);
        written.bytes(filled);
    }

    /** {@code n} elements from {@code source} at byte {@code from}, as {@code to} into {@code target} at byte {@code at}. */
    private static void convert(DType from, MemorySegment source, long offset, DType to, MemorySegment target, long at,
            int n) {
        if (from == to) {
            MemorySegment.copy(source, offset, target, at, (long) n * to.bytes());
            return;
        }
        for (int i = 0; i < n; i++) {
            float value = switch (from) {
                case F32 -> source.get(F32_LE, offset + 4L * i);
                case BF16 -> Float.intBitsToFloat(source.get(I16_LE, offset + 2L * i) << 16);
                case F16 -> Float.float16ToFloat(source.get(I16_LE, offset + 2L * i));
                default -> throw new IllegalArgumentException("cannot read " + from);
            };
            switch (to) {
                case F32 -> target.set(F32_LE, at + 4L * i, value);
                case BF16 -> target.set(I16_LE, at + 2L * i, bf16(value));
                case F16 -> target.set(I16_LE, at + 2L * i, Float.floatToFloat16(value));
                default -> throw new IllegalArgumentException("cannot write " + to);
            }
        }
    }

    /** The nearest BF16, ties to even; a NaN stays a (quiet) NaN rather than rounding into an infinity. */
    public static short bf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }
}
