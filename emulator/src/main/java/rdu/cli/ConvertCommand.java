package rdu.cli;

import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rdu.convert.Converter;
import rdu.progress.Progress;
import rdu.tensor.DType;

/** {@code rdu convert}: a checkpoint rewritten as a Hugging Face directory of one dtype. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Converts a checkpoint to a Hugging Face model directory (model.safetensors, config.json,"
                + " tokenizer.json) with every tensor in one dtype, which rdu generate and rdu bench run.",
                "Reads: a llama2.c legacy (version 0) .bin of F32 weights with tokenizer.bin or one tok*.bin beside it"
                        + " (wq/wk rows are reordered to Hugging Face's RoPE layout, the tokenizer becomes"
                        + " tokenizer.json); a Hugging Face directory or .safetensors file (one file or shards) of F32,"
                        + " BF16 or F16 tensors, of any family rdu generate runs, whose tensors keep their names and"
                        + " shapes and whose config.json (its torch_dtype set to the new dtype), generation_config.json"
                        + " and tokenizer files are carried over.",
                "Narrowing rounds to nearest, ties to even. The output is written into a hidden directory beside it"
                        + " and renamed only when complete: a failed conversion leaves nothing at OUT."})
final class ConvertCommand implements Runnable {

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Checkpoint to convert (as for rdu generate).")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Model directory to write.")
    Path out;

    @Option(names = "--dtype", defaultValue = "BF16", description = "Weight dtype to write: BF16, F16 or F32"
            + " (default: ${DEFAULT-VALUE}).")
    DType dtype;

    @Option(names = "--force", description = "Replace OUT if it exists (only an empty or checkpoint directory).")
    boolean force;

    @Override
    public void run() {
        if (model.toString().isEmpty() || out.toString().isEmpty()) {
            throw new Rdu.UsageException("--model and --out: expected paths, found an empty string");
        }
        System.err.printf("converting %s to %s in %s...%n", model, dtype, out);
        Converter.Result result;
        try (Progress progress = Progress.onStderr("converting")) {
            result = Converter.convert(new Converter.Request(model, out, dtype, force), progress::update);
        }
        System.err.printf(Locale.ROOT, "wrote %s: %d tensors, %,d bytes of %s weights (from %s)%n", out,
                result.tensors(), result.weightBytes(), dtype, result.sourceFormat());
    }
}
