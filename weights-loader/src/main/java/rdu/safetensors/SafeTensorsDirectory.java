package rdu.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;
import rdu.tensor.Tensor;

/**
 * The weights of a Hugging Face model directory: model.safetensors, or the shards that
 * model.safetensors.index.json lists in its "weight_map" (tensor name -> shard file name).
 */
public final class SafeTensorsDirectory {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private SafeTensorsDirectory() {
    }

    /** Every tensor of a model directory's weights or of one .safetensors file, mapped into {@code arena}. */
    public static Map<String, Tensor> open(Path source, Arena arena) {
        return Files.isDirectory(source) ? openAll(source, arena) : SafeTensorsFile.open(source, arena).tensors();
    }

    /** Every tensor of the directory's weights, mapped into {@code arena}, in file and header order. */
    public static Map<String, Tensor> openAll(Path dir, Arena arena) {
        Path index = dir.resolve(INDEX_FILE);
        if (Files.exists(index)) {
            return openShards(dir, index, arena);
        }
        Path single = dir.resolve(SINGLE_FILE);
        if (Files.exists(single)) {
            return SafeTensorsFile.open(single, arena).tensors();
        }
        throw new CheckpointException(dir, "no weights: expected " + SINGLE_FILE + " or " + INDEX_FILE);
    }

    private static Map<String, Tensor> openShards(Path dir, Path index, Arena arena) {
        JsonNode weightMap = CheckpointFiles.readJsonObject(index).path("weight_map");
        if (!weightMap.isObject()) {
            throw new CheckpointException(index, "weight_map", "an object (tensor name -> shard file name)",
                    CheckpointFiles.describe(weightMap));
        }
        Map<String, SafeTensorsFile> shards = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> listed : weightMap.properties()) {
            String tensor = listed.getKey();
            String field = "weight_map " + CheckpointFiles.quoted(tensor);
            if (!listed.getValue().isTextual()) {
                throw new CheckpointException(index, field, "a shard file name",
                        CheckpointFiles.describe(listed.getValue()));
            }
            String shardName = listed.getValue().textValue();
            if (!isFileName(shardName)) { // a shard lies beside its index: "../x" or "/dev/x" would read elsewhere
                throw new CheckpointException(index, field, "a shard file name in " + dir,
                        CheckpointFiles.quoted(shardName));
            }
            SafeTensorsFile shard = shards.computeIfAbsent(shardName,
                    name -> SafeTensorsFile.open(dir.resolve(name), arena));
            if (!shard.tensors().containsKey(tensor)) {
                throw new CheckpointException(index, field, "a tensor of " + shardName,
                        "no tensor " + CheckpointFiles.quoted(tensor) + " in " + shardName);
            }
        }

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> shardOf = new LinkedHashMap<>();
        for (Map.Entry<String, SafeTensorsFile> shard : shards.entrySet()) {
            for (Tensor t : shard.getValue().tensors().values()) {
                String other = shardOf.putIfAbsent(t.name(), shard.getKey());
                if (other != null) {
                    throw new CheckpointException(index, "tensor " + CheckpointFiles.quoted(t.name()), "in one shard",
                            "in both " + other + " and " + shard.getKey());
                }
                tensors.put(t.name(), t);
            }
        }
        return tensors;
    }

    /** A plain file name: no folder part, not "." or "..", no control characters. */
    private static boolean isFileName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0
                && name.indexOf('\\') < 0 && name.chars().noneMatch(Character::isISOControl);
    }
}
