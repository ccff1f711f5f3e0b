package rdu.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.attention.Scores;
import rdu.graph.DecodeGraph;
import rdu.graph.Node;
import rdu.graph.Op;
import rdu.graph.TensorParallel;
import rdu.mla.MlaConfig;
import rdu.model.ModelConfig;
import rdu.tensor.DType;

class CostModelTest {

    static final ModelConfig CONFIG = TestModels.SMALL;
    static final DecodeGraph F32 = TestModels.small(CONFIG, DType.F32);

    /** The operator at {@code index} of decoder layer 0 (node 0 of the graph is the embedding). */
    static Op layer0(int index) {
        Node node = F32.nodes().get(1 + index);
        assertEquals(0, node.layer());
        return node.op();
    }

    static Cost cost(Op op, int batch, int position) {
        return CostModel.of(op, CONFIG, batch, position);
    }

    static Cost cost(Op op, int batch, int position, int positions) {
        return CostModel.of(op, CONFIG, batch, position, positions);
    }

    @Test
    void everyOperatorKindIsInTheGraphAndDoesWork() {
        Class<?>[] kinds = Op.class.getPermittedSubclasses();
        assertTrue(kinds.length >= 9, "Op lists its operator kinds");
        // a single-socket graph, a tensor-parallel one (which adds the all-reduces, and experts in layer 1) and
        // one of every family choice hold every kind between them
        List<Node> nodes = new ArrayList<>(F32.nodes());
        nodes.addAll(TestModels.small(TestModels.SMALL_EVERY_CHOICE, DType.F32).nodes());
        nodes.addAll(TensorParallel.graph(TensorParallel.describe(CONFIG, TestModels.SMALL_MOE, false, DType.F32, 2))
                .nodes());
        for (Class<?> kind : kinds) {
            Node node = nodes.stream().filter(n -> kind.isInstance(n.op())).findFirst()
                    .orElseThrow(() -> new AssertionError(kind.getSimpleName() + " has no node in the decode graph"));
            Cost c = cost(node.op(), 1, 0);
            assertTrue(c.offChipBytes() > 0 || c.activationBytes() > 0 || c.laneOps() > 0,
                    kind.getSimpleName() + " costs nothing: " + c);
            assertTrue(c.pipelineDepth() >= CostModel.PCU_PASS_STAGES, kind.getSimpleName() + ": " + c);
        }
    }

    @Test
    void formulasMatchHandComputedCostsAtBatch2Position3() {
        // hidden 16, MLP 24, 4 heads and 2 KV heads of 4 (q 16, kv 8), vocab 32, F32 weights; t = 4 positions.
        var embed = F32.nodes().getFirst().op();
        assertEquals(new Cost(0, 2 * 16 * 4, 0, 0, 0, 2 * 16 * 2, 32, 0, 0, 6), cost(embed, 2, 3));
        assertEquals(new Cost(64, 64, 0, 0, 0, 64, 64, 2, 4, 12 + 4), cost(layer0(0), 2, 3), "RmsNorm 16");
        assertEquals(new Cost(1024, 1024, 0, 0, 0, 64, 0, 0, 4, 6 + 4), cost(layer0(1), 2, 3), "wq [16, 16]");
        assertEquals(new Cost(512, 512, 0, 0, 0, 32, 0, 0, 4, 6 + 4), cost(layer0(2), 2, 3), "wk [8, 16]");
        assertEquals(new Cost(96, 0, 0, 0, 0, 64, 0, 32, 0, 6), cost(layer0(4), 2, 3), "Rope Q, 4 heads");
        assertEquals(new Cost(48, 0, 0, 0, 0, 32, 0, 16, 0, 6), cost(layer0(5), 2, 3), "Rope K, 2 heads");
        assertEquals(new Cost(0, 0, 0, 64, 0, 0, 32, 0, 0, 6), cost(layer0(6), 2, 3), "KvWrite");
        assertEquals(new Cost(512, 0, 256, 0, 0, 64, 64, 32, 2 + 2, 12 + 4), cost(layer0(7), 2, 3), "Attention t=4");
        assertEquals(new Cost(0, 0, 0, 0, 0, 64, 32, 0, 0, 6), cost(layer0(9), 2, 3), "Residual 16");
        assertEquals(new Cost(1536, 1536, 0, 0, 0, 96, 0, 0, 4, 6 + 4), cost(layer0(11), 2, 3), "gate [24, 16]");
        assertEquals(new Cost(0, 0, 0, 0, 0, 96, 144, 48, 0, 6), cost(layer0(13), 2, 3), "SwiGlu 24");
        assertEquals(new Cost(1536, 1536, 0, 0, 0, 64, 0, 0, 5, 6 + 5), cost(layer0(14), 2, 3), "down [16, 24]");
        assertEquals(new Cost(0, 0, 0, 0, 0, 0, 64, 0, 5, 6 + 5), cost(F32.nodes().getLast().op(), 2, 3), "Sample 32");
    }

    /** The cost of the first {@code kind} node in {@link TestModels#SMALL_MOE}'s shard on {@code sockets}. */
    static Cost moeCost(Class<? extends Op> kind, boolean expertParallel, int sockets) {
        var shard = TensorParallel.describe(CONFIG, TestModels.SMALL_MOE, expertParallel, DType.F32, sockets);
        Op op = TensorParallel.graph(shard).nodes().stream().map(Node::op).filter(kind::isInstance).findFirst()
                .orElseThrow();
        return CostModel.of(op, shard.config(), 2, 3);
    }

    @Test
    void routerAndExpertsMatchHandComputedCostsAtBatch2() {
        // hidden 16, 4 experts of width 8, top 2, F32 weights: 2 samples touch D(2) = 4 * (1 - 0.5^2) = 3 experts,
        // through 4 token-expert pairs; one expert is 3 * 8 * 16 * 4 = 1536 bytes
        assertEquals(new Cost(256, 256, 0, 0, 0, 16, 16, 8, 4, 12 + 4), moeCost(Op.Router.class, false, 1),
                "Router [4, 16]");
        assertEquals(new Cost(3072, 3 * 1536, 0, 0, 0, 64, 160, 32, 7, 12 + 7), moeCost(Op.Experts.class, false, 1),
                "Experts [4, 24, 16]: 3 of 4 stream");
        assertEquals(new Cost(1536, 3 * 768, 0, 0, 0, 64, 112, 16, 6, 12 + 6), moeCost(Op.Experts.class, false, 2),
                "tensor parallel over 2: a half-width slice of the same 3 experts");
        assertEquals(new Cost(1536, 2 * 1536, 0, 0, 0, 64, 80, 16, 7, 12 + 7), moeCost(Op.Experts.class, true, 2),
                "expert parallel over 2: the busiest socket streams its share 1.5, rounded up to 2 whole experts");
        assertEquals(moeCost(Op.Router.class, false, 1), moeCost(Op.Router.class, true, 2), "every socket routes");
    }

    @Test
    void batchScalesTheWorkButNotTheStreamedWeights() {
        for (Node node : F32.nodes()) {
            Cost one = cost(node.op(), 1, 5);
            Cost four = cost(node.op(), 4, 5);
            String what = node.op().getClass().getSimpleName();
            assertEquals(4 * one.flops(), four.flops(), what);
            assertEquals(4 * one.activationBytes(), four.activationBytes(), what);
            assertEquals(4 * one.elementwiseOps(), four.elementwiseOps(), what);
            assertEquals(4 * one.transcendentalOps(), four.transcendentalOps(), what);
            assertEquals(4 * one.kvReadBytes(), four.kvReadBytes(), what);
            assertEquals(4 * one.kvWriteBytes(), four.kvWriteBytes(), what);
            assertEquals(one.pipelineDepth(), four.pipelineDepth(), what);
            // The embedding gathers one row per sample; every other weight streams once for the whole batch.
            long weightFactor = node.op() instanceof Op.Embed ? 4 : 1;
            assertEquals(weightFactor * one.weightBytes(), four.weightBytes(), what);
        }
    }

    @Test
    void windowedAttentionReadsOnlyTheWindowsKeysAndSoftCapsCostATanhPerScore() {
        var windowed = new Op.Attention(0, new Scores(2, 0, 3));
        var full = new Op.Attention(0, new Scores(2, 0, 0));
        long one = cost(full, 1, 0).kvReadBytes();
        for (int p = 0; p < CONFIG.maxPositions(); p++) {
            assertEquals(Math.min(p + 1, 3) * one, cost(windowed, 1, p).kvReadBytes(), "position " + p);
            assertEquals(Math.min(p + 1, 3) * cost(full, 1, 0).flops(), cost(windowed, 1, p).flops(), "position " + p);
        }
        // a pass over positions 2..5 reads the keys of positions 0..5 (its first query sees 0..2, its last 3..5) and
        // scores 3 + 3 + 3 + 3 pairs
        assertEquals(6 * one, cost(windowed, 1, 2, 4).kvReadBytes());
        assertEquals(12 * cost(full, 1, 0).flops(), cost(windowed, 1, 2, 4).flops());
        assertEquals(1 + 2 + 3 + 3, CostModel.windowedPairs(0, 4, 3), "positions 0..3: the first queries see fewer");
        Cost capped = cost(new Op.Attention(0, new Scores(2, 50, 0)), 1, 5);
        Cost plain = cost(full, 1, 5);
        assertEquals(2 * plain.transcendentalOps(), capped.transcendentalOps(), "a tanh per score besides the exp");
        assertEquals(plain.kvReadBytes(), capped.kvReadBytes());
    }

    @Test
    void attentionReadsTheKvCacheLinearlyInPosition() {
        Op attention = layer0(7);
        assertInstanceOf(Op.Attention.class, attention);
        long first = cost(attention, 1, 0).kvReadBytes();
        assertEquals(2 * 8 * 2, first, "K and V of one position, kvDim 8, BF16");
        for (int p = 0; p < CONFIG.maxPositions(); p++) {
            assertEquals((p + 1) * first, cost(attention, 1, p).kvReadBytes(), "position " + p);
            assertEquals((p + 1) * cost(attention, 1, 0).flops(), cost(attention, 1, p).flops(), "position " + p);
        }
    }

    @Test
    void bf16WeightsHalveTheWeightBytesAndNothingElse() {
        DecodeGraph bf16 = TestModels.small(CONFIG, DType.BF16);
        for (int i = 0; i < F32.nodes().size(); i++) {
            Cost wide = cost(F32.nodes().get(i).op(), 3, 2);
            Cost narrow = cost(bf16.nodes().get(i).op(), 3, 2);
            String what = "node " + i + " " + F32.nodes().get(i).op().getClass().getSimpleName();
            assertEquals(wide.weightBytes(), 2 * narrow.weightBytes(), what);
            assertEquals(new Cost(wide.flops(), 0, wide.kvReadBytes(), wide.kvWriteBytes(), 0, wide.activationBytes(),
                    wide.elementwiseOps(), wide.transcendentalOps(), wide.reductionDepth(), wide.pipelineDepth()),
                    new Cost(narrow.flops(), 0, narrow.kvReadBytes(), narrow.kvWriteBytes(), 0,
                            narrow.activationBytes(), narrow.elementwiseOps(), narrow.transcendentalOps(),
                            narrow.reductionDepth(), narrow.pipelineDepth()), what);
        }
    }

    @Test
    void passOfThreePositionsMatchesHandComputedCostsAtBatch2Position2() {
        // B = 2 samples over positions 2, 3, 4: R = 6 token rows; the cache holds T = 5 positions after the pass, and
        // the queries attend to S = 3 + 4 + 5 = 12 positions in all
        assertEquals(new Cost(6 * 16 * 16 * 2, 1024, 0, 0, 0, 6 * 16 * 2, 0, 0, 4, 6 + 4), cost(layer0(1), 2, 2, 3),
                "wq [16, 16]: weights once, 6 rows of work");
        assertEquals(new Cost(0, 0, 0, 6 * 16 * 2, 0, 0, 6 * 16, 0, 0, 6), cost(layer0(6), 2, 2, 3),
                "KvWrite: K and V of every new position");
        assertEquals(new Cost(2 * 4 * 12 * 4 * 4, 0, 2 * 2 * 5 * 8 * 2, 0, 0, 6 * 16 * 2, 2 * 4 * 12 * 2, 2 * 4 * 12,
                2 + 3, 12 + 5), cost(layer0(7), 2, 2, 3), "Attention: each sample's cache read once, causal work");
        assertEquals(new Cost(0, 0, 0, 0, 0, 0, 6 * 32, 0, 5, 6 + 5), cost(F32.nodes().getLast().op(), 2, 2, 3),
                "Sample: every position's logits");
    }

    /** Every node of the small model, alone and tensor-parallel over 2 sockets with experts, with its config. */
    static List<Map.Entry<Op, ModelConfig>> everyKindOfNode() {
        List<Map.Entry<Op, ModelConfig>> nodes = new ArrayList<>();
        F32.nodes().forEach(n -> nodes.add(Map.entry(n.op(), CONFIG)));
        var shard = TensorParallel.describe(CONFIG, TestModels.SMALL_MOE, false, DType.F32, 2);
        TensorParallel.graph(shard).nodes().forEach(n -> nodes.add(Map.entry(n.op(), shard.config())));
        return nodes;
    }

    @Test
    void aPassCostsWhatItsTokenRowsCostAsABatchButForAttention() {
        // 2 samples over 3 positions are 6 token rows through every operator: the weights stream once, an expert
        // layer routes 6 tokens, an all-reduce sums 6 rows; only attention shares a sample's cache among its rows
        for (var node : everyKindOfNode()) {
            Op op = node.getKey();
            if (!(op instanceof Op.Attention)) {
                assertEquals(CostModel.of(op, node.getValue(), 6, 2, 1), CostModel.of(op, node.getValue(), 2, 2, 3),
                        op.getClass().getSimpleName());
            }
        }
    }

    @Test
    void attentionOfAPassReadsEachCacheOnceAndDoesTheWorkOfItsPositions() {
        var mla = TensorParallel.graph(TensorParallel.describe(CONFIG, null, new MlaConfig(8, 6, 2, 2, 4), false,
                DType.F32, 1)).nodes().stream().map(Node::op).filter(Op.Attention.class::isInstance).findFirst()
                .orElseThrow();
        for (Op attention : List.of(layer0(7), mla)) {
            for (int n : new int[] {1, 3, 6}) {
                int p = 8 - n;
                Cost pass = cost(attention, 2, p, n);
                Cost last = cost(attention, 2, p + n - 1);
                String what = (attention == mla ? "MLA" : "GQA") + " over positions " + p + " to " + (p + n - 1);
                assertEquals(last.kvReadBytes(), pass.kvReadBytes(), what + ": the cache up to the last position");
                assertEquals(last.weightBytes(), pass.weightBytes(), what);
                assertEquals(last.reductionDepth(), pass.reductionDepth(), what);
                // causal: position p + i attends to p + i + 1 positions, as a decode step there does
                double flops = 0;
                double transcendental = 0;
                double elementwise = 0;
                for (int i = 0; i < n; i++) {
                    Cost step = cost(attention, 2, p + i);
                    flops += step.flops();
                    transcendental += step.transcendentalOps();
                    elementwise += step.elementwiseOps();
                }
                assertEquals(flops, pass.flops(), 1e-9 * flops, what);
                assertEquals(transcendental, pass.transcendentalOps(), what);
                assertEquals(elementwise, pass.elementwiseOps(), what);
                assertEquals(n * last.activationBytes(), pass.activationBytes(), what);
            }
        }
    }

    @Test
    void llama8BStreamsItsParametersOnceExceptTheEmbeddingTable(@TempDir Path dir) throws IOException {
        ModelConfig config = TestModels.LLAMA_8B;
        DecodeGraph graph = TestModels.sparse(config, DType.BF16, dir);
        long weightBytes = 0;
        for (Node node : graph.nodes()) {
            weightBytes += CostModel.of(node.op(), config, 1, 8191).weightBytes();
        }
        long parameters = 8_030_261_248L; // Llama 3.1 8B, untied embedding and classifier
        long table = 128256L * 4096;
        assertEquals((parameters - table + 4096) * 2, weightBytes, "every weight once, one embedding row, BF16");
    }

    @Test
    void rejectsBatchAndPositionOutOfRange() {
        Op norm = layer0(0);
        var batch = assertThrows(IllegalArgumentException.class, () -> cost(norm, 0, 0));
        assertEquals("batch must be >= 1, found 0", batch.getMessage());
        var negative = assertThrows(IllegalArgumentException.class, () -> cost(norm, 1, -1));
        assertEquals("position must be in [0, 8) (the model's max positions), found -1", negative.getMessage());
        var past = assertThrows(IllegalArgumentException.class, () -> cost(norm, 1, 8));
        assertEquals("position must be in [0, 8) (the model's max positions), found 8", past.getMessage());
        var none = assertThrows(IllegalArgumentException.class, () -> cost(norm, 1, 0, 0));
        assertEquals("positions must be >= 1, found 0", none.getMessage());
        var beyond = assertThrows(IllegalArgumentException.class, () -> cost(norm, 1, 5, 4));
        assertEquals("positions 5 to 8 must be in [0, 8) (the model's max positions)", beyond.getMessage());
    }

    @Test
    void reductionTreeDepthIsCeilLog2() {
        assertEquals(List.of(0, 1, 2, 2, 3, 5, 7, 17),
                List.of(1L, 2L, 3L, 4L, 5L, 24L, 128L, 128256L).stream().map(CostModel::ceilLog2).toList());
    }
}
