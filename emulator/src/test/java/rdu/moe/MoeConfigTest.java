package rdu.moe;

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
import rdu.model.HfConfig;
import rdu.model.ModelConfig;

/** Each MoE family's config.json: its experts (MoeConfig) and its attention and dense sizes (HfConfig). */
class MoeConfigTest {

    @TempDir
    Path dir;

    static ModelConfig dense(String model) {
        return HfConfig.read(ModelCatalog.config(model), HfConfig.LLAMA_LIKE);
    }

    static MoeConfig moe(String model) {
        return MoeConfig.read(ModelCatalog.config(model));
    }

    @Test
    void theMoeLayerCountIsTheLayersIsMoeLayerPicks() {
        for (MoeConfig m : List.of(new MoeConfig(8, 2, 64, 0, 0, 1, 0), new MoeConfig(8, 2, 64, 1, 64, 2, 1),
                new MoeConfig(8, 2, 64, 1, 64, 1, 3), new MoeConfig(8, 2, 64, 1, 64, 3, 0))) {
            for (int layers : new int[] {0, 1, 2, 3, 4, 5, 61, 62}) {
                assertEquals(IntStream.range(0, layers).filter(m::isMoeLayer).count(), m.moeLayers(layers),
                        m + " over " + layers + " layers");
            }
        }
    }

    @Test
    void mixtralRoutesEveryLayerToTwoOfEightExperts() {
        assertEquals(new MoeConfig(8, 2, 14336, 0, 0, 1, 0), moe("mixtral-8x7b"));
        ModelConfig c = dense("mixtral-8x7b");
        assertEquals(List.of(4096, 32, 32, 8, 128, 32000, 32768), List.of(c.hiddenSize(), c.numLayers(),
                c.numHeads(), c.numKvHeads(), c.headDim(), c.vocabSize(), c.maxPositions()));
        assertEquals(1e6, c.ropeTheta());
    }

    @Test
    void llama4MaverickReadsTextConfigWithInterleavedMoeLayersAndASharedExpert() {
        MoeConfig m = moe("llama-4-maverick");
        assertEquals(new MoeConfig(128, 1, 8192, 1, 8192, 2, 1), m);
        assertEquals(IntStream.range(0, 24).map(i -> 2 * i + 1).boxed().toList(),
                IntStream.range(0, 48).filter(m::isMoeLayer).boxed().toList(), "layers 1, 3, ..., 47 as transformers");
        ModelConfig c = dense("llama-4-maverick");
        assertEquals("Llama4ForConditionalGeneration", c.architecture());
        assertEquals(List.of(5120, 16384, 48, 40, 8, 128, 202048), List.of(c.hiddenSize(), c.intermediateSize(),
                c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim(), c.vocabSize()), "dense layers: width 16384");
        assertEquals(500000, c.ropeTheta());
        assertEquals(List.of(200001, 200007, 200008), c.eosTokenIds());
    }

    @Test
    void gptOssRoutesEveryLayerToFourOf128Experts() {
        assertEquals(new MoeConfig(128, 4, 2880, 0, 0, 1, 0), moe("gpt-oss-120b"));
        ModelConfig c = dense("gpt-oss-120b");
        assertEquals(List.of(2880, 36, 64, 8, 64, 201088), List.of(c.hiddenSize(), c.numLayers(), c.numHeads(),
                c.numKvHeads(), c.headDim(), c.vocabSize()));
    }

    @Test
    void gptOssMayNameTopKExpertsPerToken() throws IOException {
        Path file = write("""
                {"architectures": ["GptOssForCausalLM"], "num_local_experts": 32, "experts_per_token": 4,
                 "intermediate_size": 2880}""");
        assertEquals(new MoeConfig(32, 4, 2880, 0, 0, 1, 0), MoeConfig.read(file));
    }

    @Test
    void denseModelsHaveNoExperts() {
        assertNull(moe("llama-3.1-8b"));
        assertNull(moe("mistral-7b"));
    }

    @Test
    void missingOrInvalidFieldsNameTheFileAndField() throws IOException {
        Path missing = write("""
                {"architectures": ["MixtralForCausalLM"], "num_experts_per_tok": 2, "intermediate_size": 14336}""");
        var e = assertThrows(CheckpointException.class, () -> MoeConfig.read(missing));
        assertEquals(missing + ": num_local_experts: expected a positive integer, found no such field", e.getMessage());

        Path tooMany = write("""
                {"architectures": ["MixtralForCausalLM"], "num_local_experts": 8, "num_experts_per_tok": 9,
                 "intermediate_size": 14336}""");
        e = assertThrows(CheckpointException.class, () -> MoeConfig.read(tooMany));
        assertTrue(e.getMessage().contains("num_experts_per_tok: expected at most num_local_experts (8), found 9"),
                e.getMessage());

        Path noStep = write("""
                {"architectures": ["Llama4ForConditionalGeneration"], "text_config": {"hidden_size": 5120,
                 "num_local_experts": 128, "num_experts_per_tok": 1, "intermediate_size": 8192}}""");
        e = assertThrows(CheckpointException.class, () -> MoeConfig.read(noStep));
        assertTrue(e.getMessage().contains("interleave_moe_layer_step: expected a positive integer"), e.getMessage());
    }

    private Path write(String json) throws IOException {
        Path file = Files.createTempFile(dir, "config", ".json");
        Files.writeString(file, json);
        return file;
    }
}
