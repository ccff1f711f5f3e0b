package rdu.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.cost.CostModel;
import rdu.graph.Node;
import rdu.graph.Op;
import rdu.graph.TensorParallel;
import rdu.model.CheckpointException;
import rdu.model.ModelConfig;
import rdu.schedule.ScheduleOptions;
import rdu.tensor.DType;
import rdu.timing.TimingEngine;

/**
 * Timing-only runs of the catalog's Gemma 2, Phi-3 and StarCoder2 entries are built by their families, as rdu generate
 * builds them from checkpoints: windows, soft-caps, LayerNorm, biases and their MLPs are what is timed.
 */
class FamilySimulationTest {

    static final Chip SN40L = ChipFile.load("sn40l");

    @TempDir
    Path dir;

    static Simulation run(String model, int sockets, int context, int tokens) {
        return Simulation.of(model, SN40L, sockets, ScheduleOptions.defaults(), DType.BF16, context, tokens, false,
                false);
    }

    /** The ops of one socket's decode graph of {@code run}. */
    static List<Op> ops(Simulation run) {
        var shard = TensorParallel.describe(run.model(), run.dtype(), run.sockets());
        List<Op> ops = new ArrayList<>();
        for (Node node : TensorParallel.graph(shard).nodes()) {
            ops.add(node.op());
        }
        return ops;
    }

    @Test
    void gemma2sSlidingLayersReadOnlyTheirWindowsKvPastIt() {
        // Gemma 2 9B: 4096-token windows on layers 0, 2, 4, ...; 8 KV heads of 256 (model card)
        int window = 4096;
        int position = 8180;
        for (int sockets : new int[] {1, 2}) {
            Simulation run = run("gemma-2-9b", sockets, position, 4);
            ModelConfig shard = TensorParallel.shardConfig(run.model(), sockets);
            long bytesPerPosition = 2L * (8 / sockets) * 256 * CostModel.ACTIVATION_BYTES;
            int layers = 0;
            for (Op op : ops(run)) {
                if (op instanceof Op.Attention a) {
                    long read = CostModel.of(op, shard, 1, position).kvReadBytes();
                    long positions = a.layer() % 2 == 0 ? window : position + 1;
                    assertEquals(positions * bytesPerPosition, read, "layer " + a.layer() + " on " + sockets);
                    layers++;
                }
            }
            assertEquals(42, layers);
            // the step's KV traffic is that of 21 windowed and 21 global layers, plus each layer's new position
            long expected = (21L * window + 21L * (position + 1) + 42) * bytesPerPosition;
            var engine = new TimingEngine(SN40L, run.compile().target());
            assertEquals(expected, engine.kvBytesPerSample(position), "per step on " + sockets + " sockets");
        }
    }

    @Test
    void gemma2sScoresAndLogitsAreSoftCapped() {
        for (int sockets : new int[] {1, 2}) {
            List<Op> ops = ops(run("gemma-2-9b", sockets, 100, 4));
            assertTrue(ops.stream().allMatch(op -> !(op instanceof Op.Attention a) || a.scores().softCap() == 50f),
                    "attention soft-capped at 50");
            assertEquals(1, ops.stream().filter(op -> op instanceof Op.SoftCap c && c.cap() == 30f).count(),
                    "logits soft-capped at 30 once");
            // four norms a layer (pre and post attention and feed-forward) and the final one
            assertEquals(4 * 42 + 1, ops.stream().filter(op -> op instanceof Op.RmsNorm).count());
        }
    }

    @Test
    void phi3StreamsItsParametersOnceAStep() {
        // Phi-3-mini: hidden 3072, 32 layers, 32 heads of 96 (no GQA), MLP 8192 (fused gate_up), vocab 32064, untied
        long hidden = 3072;
        long layers = 32;
        long inter = 8192;
        long vocab = 32064;
        long matrices = layers * (4 * hidden * hidden + 3 * inter * hidden);
        long norms = (2 * layers + 1) * hidden;
        long parameters = matrices + norms + 2 * vocab * hidden;
        assertEquals(3.8e9, parameters, 0.05e9, "the model card's 3.8B parameters");
        assertEquals(parameters * 2, run("phi-3-mini", 1, 100, 4).weightBytes());
        for (int sockets : new int[] {1, 2, 4}) {
            // a socket streams its share of every matrix and of the classifier, every norm whole, and one
            // embedding row (the token's)
            long perSocket = (matrices + vocab * hidden) / sockets + norms + hidden;
            var engine = new TimingEngine(SN40L, run("phi-3-mini", sockets, 100, 4).compile().target());
            assertEquals(perSocket * 2, engine.weightBytesPerStep(), sockets + " sockets");
        }
    }

    @Test
    void starcoder2HasLayerNormsBiasesAndAPlainGeluMlp() {
        for (int sockets : new int[] {1, 2}) {
            List<Op> ops = ops(run("starcoder2-7b", sockets, 100, 4));
            assertEquals(2 * 32 + 1, ops.stream().filter(op -> op instanceof Op.LayerNorm n && n.bias() != null)
                    .count(), "two LayerNorms with bias a layer and the final one");
            // q, k, v, o, c_fc and c_proj biases
            assertEquals(6 * 32, ops.stream().filter(op -> op instanceof Op.BiasAdd).count());
            assertEquals(0, ops.stream().filter(op -> op instanceof Op.Glu).count(), "no gated MLP");
            assertEquals(32, ops.stream().filter(op -> op instanceof Op.Activate).count(), "one GELU a layer");
        }
    }

    /** A Qwen2-MoE config: 4 layers, MoE on every second one (1 and 3), 4 experts of 32, top 2, a shared one of 64. */
    private Path qwen2Moe(String extra) throws Exception {
        Path config = dir.resolve("config.json");
        Files.writeString(config, """
                {"architectures": ["Qwen2MoeForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
                 "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 100,
                 "max_position_embeddings": 64, "num_experts": 4, "num_experts_per_tok": 2,
                 "moe_intermediate_size": 32, "shared_expert_intermediate_size": 64, "decoder_sparse_step": 2%s}
                """.formatted(extra));
        return config;
    }

    @Test
    void qwen2MoeIsTimedWithItsGatedSharedExpertAsAnOperatorAndItsRoutedExpertsByTheFormula() throws Exception {
        Path config = qwen2Moe("");
        long bf16 = DType.BF16.bytes();
        for (int sockets : new int[] {1, 2}) {
            Simulation run = Simulation.of(config.toString(), SN40L, sockets, ScheduleOptions.defaults(), DType.BF16,
                    10, 4, false, false);
            var target = run.compile().target();
            List<Node> nodes = target.calls().stream().flatMap(c -> c.nodes().stream()).toList();
            List<Integer> sharedLayers = new ArrayList<>();
            for (Node node : nodes) {
                if (node.op() instanceof Op.SharedExpert x) {
                    sharedLayers.add(node.layer());
                    // its gate, up and down (a 1/N slice of the width) and its [1, hidden] sigmoid gate, whole
                    assertEquals((3L * 64 / sockets * 64 + 64) * bf16,
                            CostModel.of(x, target.config(), 1, 10).weightBytes(), "shared expert on " + sockets);
                }
                if (node.op() instanceof Op.Experts x) {
                    // uniform routing: B tokens touch E * (1 - (1 - k/E)^B) of the E experts, each 3 * width * hidden
                    for (int batch : new int[] {1, 4}) {
                        double touched = 4 * (1 - Math.pow(1 - 2 / 4.0, batch));
                        assertEquals(Math.round(touched * 3 * (32 / sockets) * 64 * bf16),
                                CostModel.of(x, target.config(), batch, 10).weightBytes(),
                                "experts at batch " + batch + " on " + sockets);
                    }
                }
            }
            assertEquals(List.of(1, 3), sharedLayers, "MoE layers every decoder_sparse_step (2) layers");
            assertEquals(3 * 4, nodes.stream().filter(n -> n.op() instanceof Op.BiasAdd).count(), "q/k/v biases");
            List<String> names = new ArrayList<>();
            run.run(true, step -> step.timings().forEach(t -> t.slices().forEach(s -> names.add(s.name()))));
            assertTrue(names.stream().anyMatch(n -> n.startsWith("SharedExpert mlp.shared_expert.gate_proj")),
                    "the shared expert's trace name, among " + new TreeSet<>(names));
        }
    }

    @Test
    void qwen2MoeDenseLayersOtherThanBySparseStepAreRefusedNamingTheFileAndField() throws Exception {
        Path config = qwen2Moe(", \"mlp_only_layers\": [0]");
        var e = assertThrows(CheckpointException.class, () -> Simulation.of(config.toString(), SN40L, 1,
                ScheduleOptions.defaults(), DType.BF16, 10, 4, false, false));
        assertTrue(e.getMessage().startsWith(config.toString()) && e.getMessage().contains("mlp_only_layers"),
                e.getMessage());
    }
    @Test
    void qwen2MistralAndMixtralCatalogEntriesAreTimedByTheirFamilies() {
        for (int sockets : new int[] {1, 2}) {
            // Qwen2.5-0.5B: biases on q, k and v in each of its 24 layers
            List<Op> qwen = ops(run("qwen2.5-0.5b", sockets, 100, 4));
            assertEquals(3 * 24, qwen.stream().filter(op -> op instanceof Op.BiasAdd).count(), "Qwen2.5 biases");
            // Mistral 7B v0.1: every layer attends to a 4096-position window, 8 KV heads of 128
            int position = 8000;
            Simulation mistral = run("mistral-7b", sockets, position, 4);
            ModelConfig shard = TensorParallel.shardConfig(mistral.model(), sockets);
            long bytesPerPosition = 2L * (8 / sockets) * 128 * CostModel.ACTIVATION_BYTES;
            for (Op op : ops(mistral)) {
                if (op instanceof Op.Attention) {
                    assertEquals(4096 * bytesPerPosition, CostModel.of(op, shard, 1, position).kvReadBytes(),
                            "Mistral's window on " + sockets);
                }
            }
            // Mixtral 8x7B: read by its family (a sparse MLP in every layer), its experts timed in every layer
            Simulation mixtral = run("mixtral-8x7b", 2 * sockets, 100, 4); // 93 GB: two sockets at least
            assertTrue(mixtral.model().family().moe() != null, "Mixtral's family");
            List<Node> nodes = mixtral.compile().target().calls().stream().flatMap(c -> c.nodes().stream()).toList();
            assertEquals(32, nodes.stream().filter(n -> n.op() instanceof Op.Experts).count());
        }
    }
}
