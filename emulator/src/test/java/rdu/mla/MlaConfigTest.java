package rdu.mla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.catalog.ModelCatalog;
import rdu.model.CheckpointException;
import rdu.model.ModelConfig;
import rdu.moe.MoeConfig;
import rdu.simulate.Simulation;

/** DeepSeek-R1's config.json: its latent attention (MlaConfig), its experts (MoeConfig) and its other sizes. */
class MlaConfigTest {

    @TempDir
    Path dir;

    @Test
    void deepseekR1ReadsItsLatentAttentionExpertsAndDenseSizes() {
        Path config = ModelCatalog.config("deepseek-r1");
        assertEquals(new MlaConfig(1536, 512, 128, 64, 128), MlaConfig.read(config));
        MoeConfig moe = MoeConfig.read(config);
        assertEquals(new MoeConfig(256, 8, 2048, 1, 2048, 1, 3), moe);
        assertEquals(IntStream.range(3, 61).boxed().toList(), IntStream.range(0, 61).filter(moe::isMoeLayer).boxed()
                .toList(), "layers 0 to 2 dense");
        ModelConfig c = Simulation.loadModel("deepseek-r1", 100, 1);
        assertEquals(List.of(7168, 18432, 61, 128, 128, 192, 129280, 101), List.of(c.hiddenSize(),
                c.intermediateSize(), c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim(), c.vocabSize(),
                c.maxPositions()), "head_dim = qk_nope + qk_rope");
    }

    @Test
    void otherModelsHaveNoLatentAttention() {
        assertNull(MlaConfig.read(ModelCatalog.config("llama-3.1-8b")));
        assertNull(MlaConfig.read(ModelCatalog.config("mixtral-8x7b")));
        assertEquals(128, Simulation.loadModel("llama-3.1-8b", 10, 1).headDim());
    }

    @Test
    void anInvalidFieldIsNamed() throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, """
                {"kv_lora_rank": 512, "q_lora_rank": null, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64,
                 "v_head_dim": 128}""");
        var e = assertThrows(CheckpointException.class, () -> MlaConfig.read(config));
        assertTrue(e.getMessage().contains("q_lora_rank"), e.getMessage());
        Files.writeString(config, """
                {"kv_lora_rank": 512, "q_lora_rank": 1536, "qk_nope_head_dim": 128, "qk_rope_head_dim": 0,
                 "v_head_dim": 128}""");
        e = assertThrows(CheckpointException.class, () -> MlaConfig.read(config));
        assertTrue(e.getMessage().contains("qk_rope_head_dim"), e.getMessage());
    }
}
