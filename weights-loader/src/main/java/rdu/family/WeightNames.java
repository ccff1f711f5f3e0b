package rdu.family;

import java.util.EnumMap;
import java.util.Map;

/**
 * Where a checkpoint keeps each tensor: a name per {@link Role}, without the ".weight" or ".bias" that follows it.
 * The names of a layer's tensors follow {@code layerPrefix} and the layer number ("model.layers.3.").
 *
 * @param layerPrefix    what comes before a layer's number
 * @param optionalPrefix a prefix some exports of the family put before every name and others leave out (GPT-2's
 *                       "transformer."); "" when there is none
 * @param conv1d         the layers' projections are stored [in, out] (GPT-2's Conv1D), transposed at load
 */
public record WeightNames(Map<Role, String> names, String layerPrefix, String optionalPrefix, boolean conv1d) {

    /** What a tensor is for. */
    public enum Role {
        EMBEDDING(false),
        POSITION_EMBEDDING(false),
        ATTENTION_NORM(true),
        Q(true),
        K(true),
        V(true),
        /** q, k and v stacked by rows into one projection, split at load. */
        QKV(true),
        O(true),
        POST_ATTENTION_NORM(true),
        FFN_NORM(true),
        GATE(true),
        UP(true),
        /** gate and up stacked by rows into one projection, split at load. */
        GATE_UP(true),
        DOWN(true),
        /** A Mixture-of-Experts layer's router. */
        ROUTER(true),
        /** Expert e's gate, up and down: names with %d where the expert's number goes. */
        EXPERT_GATE(true),
        EXPERT_UP(true),
        EXPERT_DOWN(true),
        /** The shared expert's gate, up and down, and its sigmoid gate (Qwen2-MoE). */
        SHARED_GATE(true),
        SHARED_UP(true),
        SHARED_DOWN(true),
        SHARED_EXPERT_GATE(true),
        POST_FFN_NORM(true),
        FINAL_NORM(false),
        CLASSIFIER(false);

        private final boolean perLayer;

        Role(boolean perLayer) {
            this.perLayer = perLayer;
        }
    }

    /** Llama's names, which most families share. */
    public static final WeightNames LLAMA = new WeightNames(Map.ofEntries(
            Map.entry(Role.EMBEDDING, "model.embed_tokens"),
            Map.entry(Role.ATTENTION_NORM, "input_layernorm"),
            Map.entry(Role.Q, "self_attn.q_proj"),
            Map.entry(Role.K, "self_attn.k_proj"),
            Map.entry(Role.V, "self_attn.v_proj"),
            Map.entry(Role.O, "self_attn.o_proj"),
            Map.entry(Role.FFN_NORM, "post_attention_layernorm"),
            Map.entry(Role.GATE, "mlp.gate_proj"),
            Map.entry(Role.UP, "mlp.up_proj"),
            Map.entry(Role.DOWN, "mlp.down_proj"),
            Map.entry(Role.FINAL_NORM, "model.norm"),
            Map.entry(Role.CLASSIFIER, "lm_head")), "model.layers.", "", false);

    public WeightNames {
        names = Map.copyOf(names);
    }

    /** These names with {@code role}'s tensors called {@code name}. */
    public WeightNames with(Role role, String name) {
        var changed = new EnumMap<Role, String>(Role.class);
        changed.putAll(names);
        changed.put(role, name);
        return new WeightNames(changed, layerPrefix, optionalPrefix, conv1d);
    }

    /** These names without {@code role} (a fused projection replaces its parts). */
    public WeightNames without(Role role) {
        var changed = new EnumMap<Role, String>(Role.class);
        changed.putAll(names);
        changed.remove(role);
        return new WeightNames(changed, layerPrefix, optionalPrefix, conv1d);
    }

    public WeightNames withLayerPrefix(String layerPrefix) {
        return new WeightNames(names, layerPrefix, optionalPrefix, conv1d);
    }

    public WeightNames withOptionalPrefix(String optionalPrefix) {
        return new WeightNames(names, layerPrefix, optionalPrefix, conv1d);
    }

    public WeightNames withConv1d(boolean conv1d) {
        return new WeightNames(names, layerPrefix, optionalPrefix, conv1d);
    }

    /** Whether the checkpoint has tensors for {@code role}. */
    public boolean has(Role role) {
        return names.containsKey(role);
    }

    /** The name of a whole-model tensor, without ".weight". */
    public String of(Role role) {
        if (role.perLayer) {
            throw new IllegalArgumentException(role + " is a layer's: name it with of(role, layer)");
        }
        return require(role);
    }

    /** The name of expert {@code expert}'s tensor in layer {@code layer}, without ".weight". */
    public String of(Role role, int layer, int expert) {
        return of(role, layer).formatted(expert);
    }

    /** The name of layer {@code layer}'s tensor, without ".weight". */
    public String of(Role role, int layer) {
        if (!role.perLayer) {
            throw new IllegalArgumentException(role + " is the model's: name it with of(role)");
        }
        return layerPrefix + layer + "." + require(role);
    }

    private String require(Role role) {
        String name = names.get(role);
        if (name == null) {
            throw new IllegalArgumentException("these weight names have no " + role + ": " + names);
        }
        return name;
    }
}
