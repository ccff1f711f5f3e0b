package rdu.mla;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;
import rdu.model.HfConfig;

/**
 * The Multi-head Latent Attention (MLA) sizes of a DeepSeek V3 / R1 config.json. MLA caches one compressed latent per
 * token and layer, shared by all heads, instead of every head's K and V. A decode step runs it with the up-projections
 * absorbed (as DeepSeek's inference code does): per layer, on the normalised residual X,
 * <pre>
 * q_a   MatVec [qLoraRank, hidden]                      -> q latent, then RmsNorm
 * q_b   MatVec [heads * (nope + rope), qLoraRank]       -> Q
 * kv_a  MatVec [kvLoraRank + rope, hidden]              -> KV latent, RmsNorm on its first kvLoraRank values
 * Rope  on the rope part of every query head and of the latent
 * KvWrite   kvLoraRank + rope values per token (BF16)
 * Attention over the latent cache, with kv_b [heads * (nope + vHead), kvLoraRank] absorbed: each head's query is
 *           taken into the latent space by W_UK, scored against the cached latents, and the weighted latent sum
 *           is taken out by W_UV
 * o     MatVec [hidden, heads * vHead]
 * </pre>
 * Tensor parallelism splits q_b, kv_b and o by heads; q_a, kv_a and the latent cache are whole on every socket.
 * The other sizes (hidden, heads, layers) are read by {@link HfConfig}; head_dim is nope + rope.
 *
 * @param qkNopeHeadDim a query or key head's width without position embedding
 * @param qkRopeHeadDim a query or key head's width that RoPE rotates (the key part is shared by all heads)
 */
public record MlaConfig(int qLoraRank, int kvLoraRank, int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim) {

    public MlaConfig {
        if (qLoraRank < 1 || kvLoraRank < 1 || qkNopeHeadDim < 1 || qkRopeHeadDim < 1 || vHeadDim < 1) {
            throw new IllegalArgumentException("invalid MLA config: q_lora_rank " + qLoraRank + ", kv_lora_rank "
                    + kvLoraRank + ", qk_nope_head_dim " + qkNopeHeadDim + ", qk_rope_head_dim " + qkRopeHeadDim
                    + ", v_head_dim " + vHeadDim);
        }
    }

    /** A query head's width: what q_b writes per head and the model's head_dim. */
    public int qkHeadDim() {
        return qkNopeHeadDim + qkRopeHeadDim;
    }

    /** Values cached per token and layer: the compressed KV and the shared rotary key. */
    public int latentWidth() {
        return kvLoraRank + qkRopeHeadDim;
    }

    /**
     * The MLA part of a Hugging Face config.json, or null when it has no kv_lora_rank (standard attention).
     *
     * @throws CheckpointException if an MLA field is missing or not a positive integer
     */
    public static MlaConfig read(Path configJson) {
        JsonNode c = HfConfig.textConfig(CheckpointFiles.readJsonObject(configJson));
        if (c.path("kv_lora_rank").isMissingNode() || c.path("kv_lora_rank").isNull()) {
            return null;
        }
        return new MlaConfig(
                CheckpointFiles.intAtLeast(configJson, c, "q_lora_rank", 1),
                CheckpointFiles.intAtLeast(configJson, c, "kv_lora_rank", 1),
                CheckpointFiles.intAtLeast(configJson, c, "qk_nope_head_dim", 1),
                CheckpointFiles.intAtLeast(configJson, c, "qk_rope_head_dim", 1),
                CheckpointFiles.intAtLeast(configJson, c, "v_head_dim", 1));
    }
}
