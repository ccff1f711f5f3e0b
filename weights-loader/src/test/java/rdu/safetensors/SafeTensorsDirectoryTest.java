package rdu.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rdu.safetensors.SafeTensorsFileTest.f32;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.model.CheckpointException;
import rdu.tensor.Tensor;

class SafeTensorsDirectoryTest {

    @TempDir
    Path dir;

    @BeforeEach
    void twoShards() throws IOException {
        SafeTensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), Map.of(), List.of(
                f32("a", new long[] {2}, 1, 2),
                f32("b", new long[] {1}, 3)));
        SafeTensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), Map.of(), List.of(
                f32("c", new long[] {3}, 4, 5, 6)));
    }

    @Test
    void shardsListedByTheIndexAreOpenedTogether() throws IOException {
        index("""
                {"metadata": {"total_size": 24}, "weight_map": {
                  "a": "model-00001-of-00002.safetensors",
                  "c": "model-00002-of-00002.safetensors",
                  "b": "model-00001-of-00002.safetensors"}}""");
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = SafeTensorsDirectory.openAll(dir, arena);
            assertEquals(List.of("a", "b", "c"), List.copyOf(tensors.keySet()));
            assertArrayEquals(new float[] {4, 5, 6}, tensors.get("c").data()
                    .toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)));
        }
    }

    @Test
    void singleFileIsUsedWithoutAnIndex() throws IOException {
        Files.move(dir.resolve("model-00002-of-00002.safetensors"), dir.resolve("model.safetensors"));
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(List.of("c"), List.copyOf(SafeTensorsDirectory.openAll(dir, arena).keySet()));
        }
    }

    @Test
    void tensorListedInTheWrongShardIsNamed() throws IOException {
        index("""
                {"weight_map": {"a": "model-00002-of-00002.safetensors"}}""");
        assertError(dir.resolve("model.safetensors.index.json"), "weight_map \"a\": expected a tensor of "
                + "model-00002-of-00002.safetensors, found no tensor \"a\" in model-00002-of-00002.safetensors");
    }

    @Test
    void tensorInTwoShardsIsRejected() throws IOException {
        SafeTensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), Map.of(), List.of(
                f32("c", new long[] {1}, 4), f32("a", new long[] {1}, 7)));
        index("""
                {"weight_map": {"a": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}""");
        assertError(dir.resolve("model.safetensors.index.json"), "tensor \"a\": expected in one shard, found in both "
                + "model-00001-of-00002.safetensors and model-00002-of-00002.safetensors");
    }

    @Test
    void missingShardIsNamed() throws IOException {
        index("""
                {"weight_map": {"a": "model-00001-of-00009.safetensors"}}""");
        assertError(dir.resolve("model-00001-of-00009.safetensors"), "file not found");
    }

    @Test
    void badWeightMapIsNamed() throws IOException {
        index("""
                {"weight_map": ["a"]}""");
        assertError(dir.resolve("model.safetensors.index.json"), "weight_map: expected an object");
        index("""
                {"weight_map": {"a": 3}}""");
        assertError(dir.resolve("model.safetensors.index.json"), "weight_map \"a\": expected a shard file name, found 3");
    }

    @Test
    void aShardNameWithAFolderPartIsRefusedEvenWhereItLeadsToAShard() throws IOException {
        twoShards();
        String shard = "model-00001-of-00002.safetensors";
        for (String name : List.of("../" + dir.getFileName() + "/" + shard, dir.resolve(shard).toString(), "", "..",
                "a\nb.safetensors")) {
            index("{\"weight_map\": {\"a\": " + new ObjectMapper().writeValueAsString(name) + "}}");
            assertError(dir.resolve("model.safetensors.index.json"), "weight_map \"a\": expected a shard file name in "
                    + dir + ", found \"");
        }
    }

    /** Names from the index are quoted as JSON strings, so that a line break in one keeps the message one line. */
    @Test
    void weightMapNamesAreQuotedInOneLine() throws IOException {
        index("""
                {"weight_map": {"a\\nb": 3}}""");
        assertError(dir.resolve("model.safetensors.index.json"), "weight_map \"a\\nb\": expected a shard file name");
        twoShards();
        index("""
                {"weight_map": {"a\\n": "model-00001-of-00002.safetensors"}}""");
        assertError(dir.resolve("model.safetensors.index.json"), "weight_map \"a\\n\": expected a tensor of "
                + "model-00001-of-00002.safetensors, found no tensor \"a\\n\" in");
    }

    @Test
    void directoryWithoutWeightsSaysWhatWasLookedFor() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        try (Arena arena = Arena.ofConfined()) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensorsDirectory.openAll(empty, arena));
            assertEquals(empty, e.file());
            assertTrue(e.getMessage().endsWith("no weights: expected model.safetensors or model.safetensors.index.json"));
        }
    }

    private void index(String json) throws IOException {
        Files.writeString(dir.resolve("model.safetensors.index.json"), json);
    }

    /** Opening the directory fails with an error about {@code file}. */
    private void assertError(Path file, String fragment) {
        try (Arena arena = Arena.ofConfined()) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensorsDirectory.openAll(dir, arena));
            assertEquals(file, e.file());
            assertTrue(e.getMessage().contains(fragment), () -> e.getMessage() + " lacks " + fragment);
        }
    }
}
