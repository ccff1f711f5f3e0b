"""Tiny random checkpoints of every model family rdu-emu runs, with reference logits and greedy tokens.

usage: scripts/reference-families --out DIR [--case NAME ...] [--list]  (it runs this file with /usr/bin/python3)

For each case this writes, into DIR/<case>/:
  config.json        a Hugging Face config (real field names, `architectures`)
  model.safetensors  F32 weights under the architecture's Hugging Face tensor names
  reference.json     prompt ids, greedy tokens and the logits of every processed position (MoE cases: and the
                     experts each position chose in each layer, "routes")

The reference is this file's own implementation of each architecture, written from its published definition and
the Hugging Face config semantics (transformers is not used: only Debian's python3-torch and python3-numpy). A family
is a small description over shared pieces: norm kind, activation, MLP kind (gated, plain, sparse MoE), attention
options (window, soft-cap, scale), position encoding (rope and its scalings, learned positions), layer layout
(sequential, parallel, sandwich) and its tensor names.

Semantics of reference.json: the model runs one position at a time with a KV cache; logits[i] is the output after
position i of prompt_ids + tokens[:-1]; tokens are greedy (argmax of the float32 logits). Position-dependent rope
(dynamic NTK, Phi-3 longrope) chooses the frequencies of the new position with seq_len = position + 1, as Hugging
Face's generate does when it decodes one token at a time; keys already in the cache keep the rotation they were
written with.

Numerics: the math runs in float64 on the float32 weights; rope tables (inv_freq, cos, sin) are computed in float32
as Hugging Face computes them; logits are rounded to float32. Output is deterministic byte for byte: every case has a
fixed seed, torch runs on one thread, floats are written as the shortest repr of their float32 value.

Every case checks that its features change the output: it recomputes the same positions with the feature switched
off and requires the logits to differ by more than 1e-3 (and, for windows and position-dependent rope, to be
identical at the positions the feature cannot reach yet). Every greedy step must win by a top-2 margin above 1e-3,
and every MoE routing decision by a router-logit gap above 1e-3, so that float32 reimplementations pick the same
tokens and experts.
"""

import argparse
import json
import math
import os
import struct
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

import numpy as np
import torch

torch.set_num_threads(1)  # one summation order, so the output is the same byte for byte on every run

F64 = torch.float64
PROMPT_LENGTH = 5
GENERATED = 12
MIN_MARGIN = 1e-3  # top-2 logit margin of a greedy step, gap of a routing decision
MIN_FEATURE_EFFECT = 1e-3
SEMANTICS = ("one position at a time with a KV cache; "
             "logits[i] is the output after position i of prompt_ids+tokens[:-1]")


# ---------------------------------------------------------------- shared pieces: norms, activations, linear layers

def rms_norm(x, weight, eps):
    return x / torch.sqrt((x * x).mean() + eps) * weight


def layer_norm(x, weight, bias, eps):
    centred = x - x.mean()
    return centred / torch.sqrt((centred * centred).mean() + eps) * weight + bias


def gelu_tanh(x):  # "gelu_new" and "gelu_pytorch_tanh": the tanh approximation (Hendrycks & Gimpel 2016)
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


ACTIVATIONS = {"silu": lambda x: x * torch.sigmoid(x), "gelu_new": gelu_tanh, "gelu_pytorch_tanh": gelu_tanh}


def softcap(x, cap):  # Gemma 2: cap * tanh(x / cap)
    return x if cap is None else torch.tanh(x / cap) * cap


def linear(x, wb):  # wb = (weight [out, in], bias or None), as nn.Linear stores them
    weight, bias = wb
    y = weight @ x
    return y if bias is None else y + bias


# ---------------------------------------------------------------- rotary position embedding and its scalings

@dataclass(frozen=True)
class Rope:
    """RoPE (Su et al. 2021, arXiv 2104.09864) in Hugging Face's rotate_half layout, with config.json's fields."""
    theta: float  # rope_theta
    dim: int  # rotated dims of a head: head_dim * partial_rotary_factor
    scaling: dict  # rope_scaling, {} when null
    max_positions: int  # max_position_embeddings
    original_max_positions: Optional[int]  # top-level original_max_position_embeddings (Phi-3)

    @property
    def kind(self):
        return self.scaling.get("rope_type", self.scaling.get("type", "default"))


def rope_inv_freq(rope, seq_len):
    """Inverse frequencies and the factor on cos and sin, as Hugging Face's modeling_rope_utils computes them (float32)."""
    dim, s = rope.dim, rope.scaling
    exponents = torch.arange(0, dim, 2, dtype=torch.int64).float() / dim

    def plain(base):
        return 1.0 / (base ** exponents)

    kind = rope.kind
    if kind == "default":
        return plain(rope.theta), 1.0
    if kind == "linear":  # position interpolation (Chen et al. 2023, arXiv 2306.15595)
        return plain(rope.theta) / s["factor"], 1.0
    if kind == "dynamic":  # dynamic NTK: the base grows once the sequence passes max_position_embeddings
        seq = max(seq_len, rope.max_positions)
        factor = s["factor"]
        base = rope.theta * ((factor * seq / rope.max_positions) - (factor - 1)) ** (dim / (dim - 2))
        return plain(base), 1.0
    if kind == "yarn":  # YaRN (Peng et al. 2023, arXiv 2309.00071), Hugging Face's defaults
        original = s.get("original_max_position_embeddings", rope.max_positions)
        factor = rope.max_positions / original if "original_max_position_embeddings" in s else s["factor"]
        attention_factor = s.get("attention_factor") or 0.1 * math.log(factor) + 1.0
        beta_fast, beta_slow = s.get("beta_fast") or 32, s.get("beta_slow") or 1

        def correction_dim(rotations):  # the dimension whose wavelength makes `rotations` turns in `original`
            return dim * math.log(original / (rotations * 2 * math.pi)) / (2 * math.log(rope.theta))

        low = max(math.floor(correction_dim(beta_fast)), 0)
        high = min(math.ceil(correction_dim(beta_slow)), dim - 1)
        if low == high:
            high += 0.001
        ramp = torch.clamp((torch.arange(dim // 2, dtype=torch.float32) - low) / (high - low), 0, 1)
        pos_freqs = rope.theta ** exponents
        extrapolation = 1 - ramp  # 1: keep the original frequency, 0: interpolate by factor
        inv = (1.0 / (factor * pos_freqs)) * (1 - extrapolation) + (1.0 / pos_freqs) * extrapolation
        return inv, attention_factor
    if kind == "llama3":  # Llama 3.1: long wavelengths divided by factor, a smooth ramp between the bands
        inv = plain(rope.theta)
        factor, low_ff, high_ff = s["factor"], s["low_freq_factor"], s["high_freq_factor"]
        old_len = s["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > old_len / low_ff, inv / factor, inv)
        smooth = (old_len / wavelen - low_ff) / (high_ff - low_ff)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < old_len / high_ff) * ~(wavelen > old_len / low_ff)
        return torch.where(medium, smoothed, scaled), 1.0
    if kind in ("longrope", "su"):  # LongRoPE (Ding et al. 2024, arXiv 2402.13753) as Phi-3 configures it
        original = rope.original_max_positions or rope.max_positions
        factor = rope.max_positions / original if rope.original_max_positions else s.get("factor", 1.0)
        attention_factor = s.get("attention_factor") or (
            1.0 if factor <= 1 else math.sqrt(1 + math.log(factor) / math.log(original)))
        ext = torch.tensor(s["long_factor"] if seq_len > original else s["short_factor"], dtype=torch.float32)
        return 1.0 / (ext * rope.theta ** exponents), attention_factor
    raise ValueError(f"rope_scaling type '{kind}' is not implemented here")


def rope_cos_sin(rope, position):
    """cos and sin for one position, chosen with seq_len = position + 1 (see the module docstring)."""
    inv, attention_factor = rope_inv_freq(rope, position + 1)
    angles = inv * torch.tensor(float(position), dtype=torch.float32)
    both = torch.cat([angles, angles])
    return (both.cos() * attention_factor).to(F64), (both.sin() * attention_factor).to(F64)


def apply_rope(x, cos, sin):  # x: [heads, head_dim]; the first len(cos) dims rotate, the rest pass (partial rotary)
    rot = cos.shape[0]
    head, rest = x[:, :rot], x[:, rot:]
    rotated_half = torch.cat([-head[:, rot // 2:], head[:, :rot // 2]], dim=1)
    return torch.cat([head * cos + rotated_half * sin, rest], dim=1)


# ---------------------------------------------------------------- a model: its options and its weights

@dataclass(frozen=True)
class Spec:
    """What a family's config means, in terms of the shared pieces."""
    heads: int
    kv_heads: int
    head_dim: int
    norm: str  # "rms", "rms_1p" (Gemma: the stored weight is an offset from 1), "layer" (with bias)
    norm_eps: float
    act: str  # a key of ACTIVATIONS
    layout: str = "sequential"  # "parallel" (Phi: attention and MLP read one norm), "sandwich" (Gemma 2: post norms)
    rope: Optional[Rope] = None
    attn_scale: float = 0.0
    attn_softcap: Optional[float] = None
    final_softcap: Optional[float] = None
    window: Optional[int] = None  # sliding window: a query at q sees keys k with q - window < k <= q
    windowed_layers: Optional[tuple] = None  # which layers the window applies to; None: all
    embed_scale: float = 1.0
    top_k: int = 0  # MoE: experts per token
    normalize_top_k: bool = False  # MoE: renormalise the top-k router probabilities to sum to 1


@dataclass
class Gated:  # down(act(gate x) * up x): SwiGLU / GeGLU (Shazeer 2020, arXiv 2002.05202)
    gate: tuple
    up: tuple
    down: tuple


@dataclass
class Plain:  # fc2(act(fc1 x))
    fc1: tuple
    fc2: tuple


@dataclass
class Moe:  # sparse mixture of gated experts; Qwen2-MoE adds a shared expert behind a sigmoid gate
    router: tuple
    experts: list
    shared: Optional[Gated] = None
    shared_gate: Optional[tuple] = None


@dataclass
class Layer:
    attn_norm: tuple
    q: tuple
    k: tuple
    v: tuple
    o: tuple
    mlp_norm: Optional[tuple]  # None in the parallel layout
    mlp: object
    post_attn_norm: Optional[tuple] = None  # sandwich layout only
    post_mlp_norm: Optional[tuple] = None


@dataclass
class Model:
    spec: Spec
    embed: torch.Tensor
    layers: list
    final_norm: tuple
    lm_head: tuple
    positions: Optional[torch.Tensor] = None  # learned position embeddings (GPT-2)


@dataclass
class Family:
    architecture: str
    spec: Spec
    tensors: list  # (name, shape, init kind) in the order they are drawn from the case's generator
    read: Callable  # (weights by name (float64), spec) -> Model


# ---------------------------------------------------------------- one decode step with a KV cache

@dataclass
class Trace:  # what a run observed, for the checks
    routes: dict = field(default_factory=dict)  # layer -> list of chosen expert sets
    routing_gaps: list = field(default_factory=list)


def norm(spec, x, wb):
    weight, bias = wb
    if spec.norm == "layer":
        return layer_norm(x, weight, bias, spec.norm_eps)
    return rms_norm(x, 1 + weight if spec.norm == "rms_1p" else weight, spec.norm_eps)


def attention(spec, layer, index, x, position, cache):
    q = linear(x, layer.q).view(spec.heads, spec.head_dim)
    k = linear(x, layer.k).view(spec.kv_heads, spec.head_dim)
    v = linear(x, layer.v).view(spec.kv_heads, spec.head_dim)
    if spec.rope is not None:
        cos, sin = rope_cos_sin(spec.rope, position)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
    cache[0].append(k)
    cache[1].append(v)
    windowed = spec.window is not None and (spec.windowed_layers is None or spec.windowed_layers[index])
    first = max(0, position - spec.window + 1) if windowed else 0
    keys, values = torch.stack(cache[0][first:]), torch.stack(cache[1][first:])  # [positions, kv_heads, head_dim]
    group = spec.heads // spec.kv_heads  # grouped-query attention: query head h reads KV head h // group
    out = []
    for h in range(spec.heads):
        scores = softcap(keys[:, h // group] @ q[h] * spec.attn_scale, spec.attn_softcap)
        out.append(torch.softmax(scores, dim=0) @ values[:, h // group])
    return linear(torch.cat(out), layer.o)


def mlp(spec, block, x, index, trace):
    act = ACTIVATIONS[spec.act]
    if isinstance(block, Gated):
        return linear(act(linear(x, block.gate)) * linear(x, block.up), block.down)
    if isinstance(block, Plain):
        return linear(act(linear(x, block.fc1)), block.fc2)
    # Mixtral / Qwen2-MoE: softmax over all experts, top-k, optionally renormalised (Jiang et al. 2024, 2401.04088)
    logits = linear(x, block.router)
    probs = torch.softmax(logits, dim=0)
    order = torch.argsort(logits, descending=True)
    chosen = order[:spec.top_k].tolist()
    if spec.top_k < len(block.experts):
        trace.routing_gaps.append(float(logits[order[spec.top_k - 1]] - logits[order[spec.top_k]]))
    trace.routes.setdefault(index, []).append(tuple(sorted(chosen)))
    weights = probs[chosen]
    if spec.normalize_top_k:
        weights = weights / weights.sum()
    y = sum(w * mlp(spec, block.experts[e], x, index, trace) for w, e in zip(weights, chosen))
    if block.shared is not None:
        y = y + torch.sigmoid(linear(x, block.shared_gate)) * mlp(spec, block.shared, x, index, trace)
    return y


def step(model, token, position, caches, trace):
    spec = model.spec
    x = model.embed[token] * spec.embed_scale
    if model.positions is not None:
        x = x + model.positions[position]
    for i, layer in enumerate(model.layers):
        h = norm(spec, x, layer.attn_norm)
        a = attention(spec, layer, i, h, position, caches[i])
        if spec.layout == "parallel":
            x = x + a + mlp(spec, layer.mlp, h, i, trace)
            continue
        if spec.layout == "sandwich":
            a = norm(spec, a, layer.post_attn_norm)
        x = x + a
        m = mlp(spec, layer.mlp, norm(spec, x, layer.mlp_norm), i, trace)
        if spec.layout == "sandwich":
            m = norm(spec, m, layer.post_mlp_norm)
        x = x + m
    logits = linear(norm(spec, x, model.final_norm), model.lm_head)
    return softcap(logits, spec.final_softcap).to(torch.float32)


def run(model, prompt, generate):
    """Logits of every processed position, and the greedy tokens when generate > 0 (else prompt is all the input)."""
    caches = [([], []) for _ in model.layers]
    trace = Trace()
    rows = [step(model, t, p, caches, trace) for p, t in enumerate(prompt)]
    tokens = []
    for g in range(generate):
        tokens.append(int(torch.argmax(rows[-1])))
        if g < generate - 1:
            rows.append(step(model, tokens[-1], len(rows), caches, trace))
    return rows, tokens, trace


# ---------------------------------------------------------------- tensor names: declarations and readers

def linear_t(name, out, inp, bias):
    return [(name + ".weight", (out, inp), "linear")] + ([(name + ".bias", (out,), "bias")] if bias else [])


def norm_t(name, size, kind):
    if kind == "layer":
        return [(name + ".weight", (size,), "norm"), (name + ".bias", (size,), "bias")]
    return [(name + ".weight", (size,), "norm_offset" if kind == "rms_1p" else "norm")]


def pair(w, name):  # (weight, bias or None) of a Linear or a norm
    return w[name + ".weight"], w.get(name + ".bias")


def gated_t(prefix, names, hidden, inter, bias):
    gate, up, down = names
    return (linear_t(prefix + gate, inter, hidden, bias) + linear_t(prefix + up, inter, hidden, bias)
            + linear_t(prefix + down, hidden, inter, bias))


def gated_r(w, prefix, names):
    gate, up, down = names
    return Gated(pair(w, prefix + gate), pair(w, prefix + up), pair(w, prefix + down))


LLAMA_MLP = ("gate_proj", "up_proj", "down_proj")
MIXTRAL_EXPERT = ("w1", "w3", "w2")  # w2(act(w1 x) * w3 x)


def llama_mlp(cfg, bias=False):
    inter = cfg["intermediate_size"]
    return (lambda p, d: gated_t(p + "mlp.", LLAMA_MLP, d, inter, bias),
            lambda w, p: gated_r(w, p + "mlp.", LLAMA_MLP))


def phi3_mlp(cfg):  # one gate_up_proj: the gate's rows, then the up's
    inter = cfg["intermediate_size"]

    def read(w, p):
        gate_up = w[p + "mlp.gate_up_proj.weight"]
        return Gated((gate_up[:inter], None), (gate_up[inter:], None), pair(w, p + "mlp.down_proj"))
    return (lambda p, d: linear_t(p + "mlp.gate_up_proj", 2 * inter, d, False)
            + linear_t(p + "mlp.down_proj", d, inter, False), read)


def starcoder2_mlp(cfg):
    inter, bias = cfg["intermediate_size"], cfg["use_bias"]
    return (lambda p, d: linear_t(p + "mlp.c_fc", inter, d, bias) + linear_t(p + "mlp.c_proj", d, inter, bias),
            lambda w, p: Plain(pair(w, p + "mlp.c_fc"), pair(w, p + "mlp.c_proj")))


def mixtral_moe(cfg):
    n, inter = cfg["num_local_experts"], cfg["intermediate_size"]
    moe = "block_sparse_moe."

    def tensors(p, d):
        return linear_t(p + moe + "gate", n, d, False) + [
            t for e in range(n) for t in gated_t(f"{p}{moe}experts.{e}.", MIXTRAL_EXPERT, d, inter, False)]
    return tensors, lambda w, p: Moe(pair(w, p + moe + "gate"),
                                     [gated_r(w, f"{p}{moe}experts.{e}.", MIXTRAL_EXPERT) for e in range(n)])


def qwen2_moe(cfg):
    n, inter, shared = cfg["num_experts"], cfg["moe_intermediate_size"], cfg["shared_expert_intermediate_size"]

    def tensors(p, d):
        return (linear_t(p + "mlp.gate", n, d, False)
                + [t for e in range(n) for t in gated_t(f"{p}mlp.experts.{e}.", LLAMA_MLP, d, inter, False)]
                + gated_t(p + "mlp.shared_expert.", LLAMA_MLP, d, shared, False)
                + linear_t(p + "mlp.shared_expert_gate", 1, d, False))
    return tensors, lambda w, p: Moe(pair(w, p + "mlp.gate"),
                                     [gated_r(w, f"{p}mlp.experts.{e}.", LLAMA_MLP) for e in range(n)],
                                     gated_r(w, p + "mlp.shared_expert.", LLAMA_MLP),
                                     pair(w, p + "mlp.shared_expert_gate"))


def decoder(architecture, cfg, spec, mlp_names, qkv_bias=False, o_bias=False, fused_qkv=False, tied=False):
    """The Llama naming most families share: model.embed_tokens, model.layers.N.{input_layernorm, self_attn.*_proj,
    post_attention_layernorm, mlp.*}, model.norm, lm_head (absent when tied). The sandwich layout adds
    pre_feedforward_layernorm and post_feedforward_layernorm (Gemma 2)."""
    d, vocab = cfg["hidden_size"], cfg["vocab_size"]
    q_size, kv_size = spec.heads * spec.head_dim, spec.kv_heads * spec.head_dim
    mlp_tensors, mlp_read = mlp_names
    sandwich = spec.layout == "sandwich"
    tensors = [("model.embed_tokens.weight", (vocab, d), "embed")]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        tensors += norm_t(p + "input_layernorm", d, spec.norm)
        if fused_qkv:
            tensors += linear_t(p + "self_attn.qkv_proj", q_size + 2 * kv_size, d, qkv_bias)
        else:
            for name, size in (("q_proj", q_size), ("k_proj", kv_size), ("v_proj", kv_size)):
                tensors += linear_t(p + "self_attn." + name, size, d, qkv_bias)
        tensors += linear_t(p + "self_attn.o_proj", d, q_size, o_bias)
        tensors += norm_t(p + "post_attention_layernorm", d, spec.norm)
        if sandwich:
            tensors += norm_t(p + "pre_feedforward_layernorm", d, spec.norm)
            tensors += norm_t(p + "post_feedforward_layernorm", d, spec.norm)
        tensors += mlp_tensors(p, d)
    tensors += norm_t("model.norm", d, spec.norm)
    if not tied:
        tensors += linear_t("lm_head", vocab, d, False)

    def attention_r(w, p):
        if not fused_qkv:
            return [pair(w, p + "self_attn." + n) for n in ("q_proj", "k_proj", "v_proj")]
        qkv = w[p + "self_attn.qkv_proj.weight"]  # rows: q, then k, then v
        return [(qkv[:q_size], None), (qkv[q_size:q_size + kv_size], None), (qkv[q_size + kv_size:], None)]

    def read(w, spec):
        layers = []
        for i in range(cfg["num_hidden_layers"]):
            p = f"model.layers.{i}."
            q, k, v = attention_r(w, p)
            post_attention = pair(w, p + "post_attention_layernorm")
            layers.append(Layer(
                attn_norm=pair(w, p + "input_layernorm"), q=q, k=k, v=v, o=pair(w, p + "self_attn.o_proj"),
                mlp_norm=pair(w, p + "pre_feedforward_layernorm") if sandwich else post_attention,
                mlp=mlp_read(w, p),
                post_attn_norm=post_attention if sandwich else None,
                post_mlp_norm=pair(w, p + "post_feedforward_layernorm") if sandwich else None))
        embed = w["model.embed_tokens.weight"]
        head = (embed, None) if tied else pair(w, "lm_head")
        return Model(spec, embed, layers, pair(w, "model.norm"), head)
    return Family(architecture, spec, tensors, read)


# ---------------------------------------------------------------- the families

def attention_spec(cfg, norm_kind="rms", norm_eps_field="rms_norm_eps", partial_rotary=1.0):
    heads = cfg["num_attention_heads"]
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // heads
    rope = Rope(cfg.get("rope_theta", 10000.0), int(head_dim * partial_rotary), cfg.get("rope_scaling") or {},
                cfg["max_position_embeddings"], cfg.get("original_max_position_embeddings"))
    return Spec(heads=heads, kv_heads=cfg.get("num_key_value_heads") or heads, head_dim=head_dim, norm=norm_kind,
                norm_eps=cfg[norm_eps_field], act=cfg.get("hidden_act", "silu"), rope=rope, attn_scale=head_dim ** -0.5)


def llama(cfg):
    # LLaMA (Touvron et al. 2023, arXiv 2302.13971): pre-norm RMSNorm, SwiGLU, RoPE; HF LlamaConfig:
    # attention_bias on q/k/v/o, mlp_bias on gate/up/down, head_dim when not hidden/heads, rope_scaling types.
    bias = cfg.get("attention_bias", False)
    return decoder("LlamaForCausalLM", cfg, attention_spec(cfg), llama_mlp(cfg, cfg.get("mlp_bias", False)),
                   qkv_bias=bias, o_bias=bias, tied=cfg.get("tie_word_embeddings", False))


def qwen2(cfg):
    # Qwen2 (Yang et al. 2024, arXiv 2407.10671): Llama with biases on q/k/v only. use_sliding_window false:
    # sliding_window is then ignored (Qwen2Config sets it to None).
    assert not cfg["use_sliding_window"], "this reference covers Qwen2 without sliding windows"
    return decoder("Qwen2ForCausalLM", cfg, attention_spec(cfg), llama_mlp(cfg), qkv_bias=True,
                   tied=cfg.get("tie_word_embeddings", False))


def mistral(cfg):
    # Mistral 7B (Jiang et al. 2023, arXiv 2310.06825): Llama with sliding-window attention.
    spec = replace(attention_spec(cfg), window=cfg.get("sliding_window"))
    return decoder("MistralForCausalLM", cfg, spec, llama_mlp(cfg), tied=cfg.get("tie_word_embeddings", False))


def mixtral(cfg):
    # Mixtral (Jiang et al. 2024, arXiv 2401.04088): Mistral with a sparse MoE MLP; top-k weights renormalised.
    spec = replace(attention_spec(cfg), window=cfg.get("sliding_window"), top_k=cfg["num_experts_per_tok"],
                   normalize_top_k=True)
    return decoder("MixtralForCausalLM", cfg, spec, mixtral_moe(cfg), tied=cfg.get("tie_word_embeddings", False))


def qwen2moe(cfg):
    # Qwen1.5-MoE / Qwen2-MoE (Qwen2 report, arXiv 2407.10671): Qwen2 attention; every layer sparse
    # (decoder_sparse_step 1, no mlp_only_layers); shared expert scaled by sigmoid(shared_expert_gate x).
    assert cfg["decoder_sparse_step"] == 1 and not cfg["mlp_only_layers"], "this reference covers all-sparse layers"
    spec = replace(attention_spec(cfg), top_k=cfg["num_experts_per_tok"], normalize_top_k=cfg["norm_topk_prob"])
    return decoder("Qwen2MoeForCausalLM", cfg, spec, qwen2_moe(cfg), qkv_bias=True,
                   tied=cfg.get("tie_word_embeddings", False))


def gemma_spec(cfg):
    # Gemma's normalizer is a tensor of the activations' dtype: sqrt(hidden) rounded to float32 here.
    return replace(attention_spec(cfg), norm="rms_1p", act=cfg["hidden_activation"],
                   embed_scale=float(torch.tensor(cfg["hidden_size"] ** 0.5, dtype=torch.float32)))


def gemma(cfg):
    # Gemma (Gemma Team 2024, arXiv 2403.08295): RMSNorm times (1 + weight), embeddings times sqrt(hidden),
    # GeGLU with the tanh GELU, explicit head_dim, tied embeddings.
    return decoder("GemmaForCausalLM", cfg, gemma_spec(cfg), llama_mlp(cfg), tied=cfg.get("tie_word_embeddings", True))


def gemma2(cfg):
    # Gemma 2 (Gemma Team 2024, arXiv 2408.00118): Gemma plus norms after attention and after the MLP, scores scaled
    # by query_pre_attn_scalar^-0.5 and soft-capped, final logits soft-capped, sliding window on even layers
    # (HF: layer_idx % 2 == 0 is sliding).
    layers = cfg["num_hidden_layers"]
    spec = replace(gemma_spec(cfg), layout="sandwich", attn_scale=cfg["query_pre_attn_scalar"] ** -0.5,
                   attn_softcap=cfg["attn_logit_softcapping"], final_softcap=cfg["final_logit_softcapping"],
                   window=cfg["sliding_window"], windowed_layers=tuple(i % 2 == 0 for i in range(layers)))
    return decoder("Gemma2ForCausalLM", cfg, spec, llama_mlp(cfg), tied=cfg.get("tie_word_embeddings", True))


def phi3(cfg):
    # Phi-3 (Abdin et al. 2024, arXiv 2404.14219): Llama with fused qkv_proj and gate_up_proj, LongRoPE: short
    # factors up to original_max_position_embeddings, long factors beyond, cos and sin times
    # sqrt(1 + ln(max / original) / ln(original)).
    spec = replace(attention_spec(cfg), window=cfg.get("sliding_window"))
    return decoder("Phi3ForCausalLM", cfg, spec, phi3_mlp(cfg), fused_qkv=True,
                   tied=cfg.get("tie_word_embeddings", False))


def starcoder2(cfg):
    # StarCoder2 (Lozhkov et al. 2024, arXiv 2402.19173): LayerNorm with bias (norm_epsilon), biases on q/k/v/o and
    # the plain GELU MLP c_fc/c_proj (use_bias), sliding window, GQA, RoPE, tied embeddings.
    bias = cfg["use_bias"]
    spec = replace(attention_spec(cfg, "layer", "norm_epsilon"), window=cfg.get("sliding_window"))
    return decoder("Starcoder2ForCausalLM", cfg, spec, starcoder2_mlp(cfg), qkv_bias=bias, o_bias=bias,
                   tied=cfg.get("tie_word_embeddings", True))


def phi(cfg):
    # Phi-1.5 / Phi-2 (Li et al. 2023, arXiv 2309.05463; HF PhiForCausalLM): one LayerNorm feeds attention and MLP
    # in parallel, partial rotary (the first head_dim * partial_rotary_factor dims), biases on q/k/v/dense, fc1/fc2,
    # final_layernorm and lm_head.
    d, vocab, inter = cfg["hidden_size"], cfg["vocab_size"], cfg["intermediate_size"]
    spec = replace(attention_spec(cfg, "layer", "layer_norm_eps", cfg["partial_rotary_factor"]), layout="parallel")
    q_size, kv_size = spec.heads * spec.head_dim, spec.kv_heads * spec.head_dim
    tensors = [("model.embed_tokens.weight", (vocab, d), "embed")]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        tensors += norm_t(p + "input_layernorm", d, "layer")
        for name, size in (("q_proj", q_size), ("k_proj", kv_size), ("v_proj", kv_size)):
            tensors += linear_t(p + "self_attn." + name, size, d, True)
        tensors += linear_t(p + "self_attn.dense", d, q_size, True)
        tensors += linear_t(p + "mlp.fc1", inter, d, True) + linear_t(p + "mlp.fc2", d, inter, True)
    tensors += norm_t("model.final_layernorm", d, "layer") + linear_t("lm_head", vocab, d, True)

    def read(w, spec):
        layers = []
        for i in range(cfg["num_hidden_layers"]):
            p = f"model.layers.{i}."
            layers.append(Layer(pair(w, p + "input_layernorm"), pair(w, p + "self_attn.q_proj"),
                                pair(w, p + "self_attn.k_proj"), pair(w, p + "self_attn.v_proj"),
                                pair(w, p + "self_attn.dense"), None,
                                Plain(pair(w, p + "mlp.fc1"), pair(w, p + "mlp.fc2"))))
        return Model(spec, w["model.embed_tokens.weight"], layers, pair(w, "model.final_layernorm"),
                     pair(w, "lm_head"))
    return Family("PhiForCausalLM", spec, tensors, read)


def gpt2(cfg):
    # GPT-2 (Radford et al. 2019): learned positions, pre-norm LayerNorm, fused c_attn, GELU (tanh) MLP of 4 * n_embd
    # (n_inner null), lm_head tied to wte. Conv1D stores weights [in, out]: the transpose of nn.Linear.
    d, vocab, heads = cfg["n_embd"], cfg["vocab_size"], cfg["n_head"]
    inter = cfg.get("n_inner") or 4 * d
    spec = Spec(heads=heads, kv_heads=heads, head_dim=d // heads, norm="layer", norm_eps=cfg["layer_norm_epsilon"],
                act=cfg["activation_function"], attn_scale=(d // heads) ** -0.5)
    tensors = [("transformer.wte.weight", (vocab, d), "embed"), ("transformer.wpe.weight", (cfg["n_positions"], d), "embed")]

    def conv1d_t(name, inp, out):
        return [(name + ".weight", (inp, out), "conv1d"), (name + ".bias", (out,), "bias")]
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        tensors += norm_t(p + "ln_1", d, "layer") + conv1d_t(p + "attn.c_attn", d, 3 * d)
        tensors += conv1d_t(p + "attn.c_proj", d, d) + norm_t(p + "ln_2", d, "layer")
        tensors += conv1d_t(p + "mlp.c_fc", d, inter) + conv1d_t(p + "mlp.c_proj", inter, d)
    tensors += norm_t("transformer.ln_f", d, "layer")

    def conv1d(w, name):
        return w[name + ".weight"].T, w[name + ".bias"]

    def read(w, spec):
        layers = []
        for i in range(cfg["n_layer"]):
            p = f"transformer.h.{i}."
            qkv_w, qkv_b = conv1d(w, p + "attn.c_attn")  # output columns: q, then k, then v
            q, k, v = [(qkv_w[j * d:(j + 1) * d], qkv_b[j * d:(j + 1) * d]) for j in range(3)]
            layers.append(Layer(pair(w, p + "ln_1"), q, k, v, conv1d(w, p + "attn.c_proj"), pair(w, p + "ln_2"),
                                Plain(conv1d(w, p + "mlp.c_fc"), conv1d(w, p + "mlp.c_proj"))))
        wte = w["transformer.wte.weight"]
        return Model(spec, wte, layers, pair(w, "transformer.ln_f"), (wte, None), positions=w["transformer.wpe.weight"])
    return Family("GPT2LMHeadModel", spec, tensors, read)


FAMILIES = {"llama": llama, "qwen2": qwen2, "mistral": mistral, "mixtral": mixtral, "qwen2_moe": qwen2moe,
            "gemma": gemma, "gemma2": gemma2, "phi3": phi3, "phi": phi, "gpt2": gpt2, "starcoder2": starcoder2}


# ---------------------------------------------------------------- the cases

def base_config(architecture, model_type, **fields):
    return {"architectures": [architecture], "model_type": model_type, "torch_dtype": "float32",
            "vocab_size": 128, **fields}


SHAPE = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
         "num_key_value_heads": 2, "max_position_embeddings": 64, "rope_theta": 10000.0}


def llama_config(architecture="LlamaForCausalLM", model_type="llama", **fields):
    return base_config(architecture, model_type, **{
        **SHAPE, "rms_norm_eps": 1e-5, "hidden_act": "silu", "tie_word_embeddings": False, **fields})


def zero(*parts):  # switches off the tensors whose name contains every part (biases, an expert's output)
    return lambda spec, w: (spec, {n: torch.zeros_like(t) if all(p in n for p in parts) else t
                                   for n, t in w.items()})


def spec_with(**changes):
    return lambda spec, w: (replace(spec, **changes), w)


def rope_with(scaling):
    return lambda spec, w: (replace(spec, rope=replace(spec.rope, scaling=scaling)), w)


@dataclass(frozen=True)
class Check:
    feature: str
    off: Callable  # (spec, weights) -> (spec, weights) with the feature switched off
    same_rows: int = 0  # positions the feature cannot reach yet: identical with and without it


@dataclass(frozen=True)
class Case:
    name: str
    family: str
    config: dict
    seed: int
    description: str
    checks: tuple


PHI3_SHORT = [1.0, 1.0, 1.05, 1.1, 1.2, 1.35, 1.5, 1.7]
PHI3_LONG = [1.0, 1.3, 1.8, 2.5, 3.5, 5.0, 7.0, 9.0]
NO_ROPE_SCALING = rope_with({})

CASES = [
    Case("llama-base", "llama", llama_config(), 1201,
         "Llama: RMSNorm, SwiGLU, RoPE theta 10000, GQA 4 query / 2 KV heads, untied lm_head",
         (Check("rope (vs no position encoding)", spec_with(rope=None)),)),
    Case("llama-rope-linear", "llama", llama_config(rope_scaling={"rope_type": "linear", "factor": 4.0}), 1202,
         "Llama with linear rope scaling: frequencies divided by factor 4",
         (Check("linear rope scaling", NO_ROPE_SCALING),)),
    Case("llama-rope-dynamic", "llama",
         llama_config(max_position_embeddings=8, rope_scaling={"rope_type": "dynamic", "factor": 2.0}), 1303,
         "Llama with dynamic NTK rope: the base grows from position 8 on (seq_len = position + 1 > 8); "
         "cached keys keep their rotation",
         (Check("dynamic NTK (positions >= 8)", NO_ROPE_SCALING, same_rows=8),)),
    Case("llama-rope-yarn", "llama",
         llama_config(max_position_embeddings=256, rope_scaling={
             "rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 64}), 1204,
         "Llama with YaRN rope: factor 4 = max_position_embeddings / original, beta_fast 32, beta_slow 1 "
         "(ramp with fractional entries), cos and sin times 0.1 ln(4) + 1",
         (Check("yarn rope scaling", NO_ROPE_SCALING),
          Check("yarn attention factor", lambda s, w: (replace(s, rope=replace(
              s.rope, scaling={**s.rope.scaling, "attention_factor": 1.0})), w)))),
    Case("llama-rope-llama3", "llama",
         llama_config(max_position_embeddings=256, rope_scaling={
             "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
             "original_max_position_embeddings": 32}), 1205,
         "Llama with Llama 3.1 rope: one frequency kept, one smoothed, six divided by 8",
         (Check("llama3 rope scaling", NO_ROPE_SCALING),)),
    Case("llama-bias", "llama", llama_config(attention_bias=True, mlp_bias=True), 1206,
         "Llama with attention_bias (q/k/v/o) and mlp_bias (gate/up/down)",
         (Check("attention biases", zero("self_attn.", ".bias")), Check("mlp biases", zero("mlp.", ".bias")))),
    Case("llama-head-dim", "llama",
         llama_config(hidden_size=48, head_dim=16, tie_word_embeddings=True), 1207,
         "Llama with head_dim 16 != hidden/heads 12 (q_proj [64, 48], o_proj [48, 64]) and tied embeddings",
         (Check("rope on 16-dim heads (vs no position encoding)", spec_with(rope=None)),)),
    Case("qwen2", "qwen2",
         llama_config("Qwen2ForCausalLM", "qwen2", rope_theta=1000000.0, rms_norm_eps=1e-6, use_sliding_window=False,
                      sliding_window=32768, max_window_layers=2), 1208,
         "Qwen2: q/k/v biases, no o bias, untied lm_head, rope theta 1e6, sliding window configured but off",
         (Check("q/k/v biases", zero("_proj.bias")),)),
    Case("qwen2-tied", "qwen2",
         llama_config("Qwen2ForCausalLM", "qwen2", rope_theta=1000000.0, rms_norm_eps=1e-6, use_sliding_window=False,
                      sliding_window=32768, max_window_layers=2, tie_word_embeddings=True), 1209,
         "Qwen2 with tie_word_embeddings: no lm_head.weight, logits from embed_tokens",
         (Check("q/k/v biases", zero("_proj.bias")),)),
    Case("mistral-window", "mistral", llama_config("MistralForCausalLM", "mistral", sliding_window=4), 1210,
         "Mistral: sliding window 4 < 16 positions; a query at q sees keys q-3..q",
         (Check("sliding window 4 (positions >= 4)", spec_with(window=None), same_rows=4),)),
    Case("mixtral", "mixtral",
         llama_config("MixtralForCausalLM", "mixtral", intermediate_size=64, rope_theta=1000000.0,
                      num_local_experts=4, num_experts_per_tok=2, sliding_window=None, router_aux_loss_coef=0.02,
                      output_router_logits=False), 1211,
         "Mixtral: block_sparse_moe router over 4 experts, top-2, softmax then top-k then renormalise",
         (Check("top-2 routing (vs all 4 experts)", spec_with(top_k=4)),
          Check("top-k renormalisation", spec_with(normalize_top_k=False)))),
    Case("qwen2-moe", "qwen2_moe",
         llama_config("Qwen2MoeForCausalLM", "qwen2_moe", rope_theta=1000000.0, rms_norm_eps=1e-6,
                      num_experts=4, num_experts_per_tok=2, norm_topk_prob=False, moe_intermediate_size=32,
                      shared_expert_intermediate_size=64, decoder_sparse_step=1, mlp_only_layers=[],
                      use_sliding_window=False, sliding_window=32768, max_window_layers=2,
                      router_aux_loss_coef=0.001, output_router_logits=False), 1212,
         "Qwen2-MoE: router over 4 experts, top-2 without renormalisation, shared expert behind a sigmoid gate",
         (Check("top-2 routing (vs all 4 experts)", spec_with(top_k=4)),
          Check("shared expert", zero("shared_expert.down_proj")),
          Check("norm_topk_prob false (vs true)", spec_with(normalize_top_k=True)))),
    Case("gemma", "gemma",
         llama_config("GemmaForCausalLM", "gemma", hidden_size=48, head_dim=16, rms_norm_eps=1e-6,
                      hidden_act="gelu_pytorch_tanh", hidden_activation="gelu_pytorch_tanh",
                      tie_word_embeddings=True), 1213,
         "Gemma: (1 + weight) RMSNorm, embeddings times sqrt(48), GeGLU (tanh GELU), head_dim 16, tied",
         (Check("embedding scale sqrt(hidden)", spec_with(embed_scale=1.0)),
          Check("(1 + weight) norms (vs weight)", spec_with(norm="rms")))),
    Case("gemma2", "gemma2",
         llama_config("Gemma2ForCausalLM", "gemma2", hidden_size=48, head_dim=16, num_hidden_layers=4,
                      rms_norm_eps=1e-6, hidden_act="gelu_pytorch_tanh", hidden_activation="gelu_pytorch_tanh",
                      query_pre_attn_scalar=24, attn_logit_softcapping=1.0, final_logit_softcapping=0.5,
                      sliding_window=4, cache_implementation="hybrid", tie_word_embeddings=True), 1214,
         "Gemma 2: soft-capped scores (1.0) and logits (0.5), query_pre_attn_scalar 24, window 4 on layers 0 and 2, "
         "pre/post feedforward and post attention norms",
         (Check("attention soft-cap", spec_with(attn_softcap=None)),
          Check("final logit soft-cap", spec_with(final_softcap=None)),
          Check("window 4 on even layers (positions >= 4)", spec_with(window=None), same_rows=4),
          Check("query_pre_attn_scalar 24 (vs head_dim 16)", spec_with(attn_scale=16 ** -0.5)),
          Check("post-attention and post-feedforward norms", spec_with(layout="sequential")))),
    Case("phi3", "phi3",
         llama_config("Phi3ForCausalLM", "phi3", max_position_embeddings=32, original_max_position_embeddings=8,
                      rope_scaling={"type": "longrope", "short_factor": PHI3_SHORT, "long_factor": PHI3_LONG},
                      sliding_window=None), 1315,
         "Phi-3: fused qkv_proj and gate_up_proj, longrope: short factors for positions < 8, long factors from "
         "position 8 on (seq_len = position + 1 > 8), cos and sin times sqrt(1 + ln 4 / ln 8)",
         (Check("longrope (vs plain rope)", NO_ROPE_SCALING),
          Check("long factors (positions >= 8)", lambda s, w: (replace(s, rope=replace(
              s.rope, scaling={**s.rope.scaling, "long_factor": PHI3_SHORT})), w), same_rows=8))),
    Case("phi", "phi",
         base_config("PhiForCausalLM", "phi", **SHAPE, layer_norm_eps=1e-5, rope_scaling=None,
                     partial_rotary_factor=0.5, hidden_act="gelu_new",
                     qk_layernorm=False, tie_word_embeddings=False), 1216,
         "Phi-2: parallel attention and MLP from one LayerNorm, partial rotary (8 of 16 dims), biases everywhere, "
         "gelu_new, lm_head with bias",
         (Check("partial rotary 0.5 (vs full)", lambda s, w: (replace(s, rope=replace(s.rope, dim=s.head_dim)), w)),
          Check("lm_head bias", zero("lm_head.bias")))),
    Case("gpt2", "gpt2",
         base_config("GPT2LMHeadModel", "gpt2", n_embd=64, n_layer=2, n_head=4, n_positions=32, n_inner=None,
                     activation_function="gelu_new", layer_norm_epsilon=1e-5), 1217,
         "GPT-2: learned positions, LayerNorm, fused Conv1D c_attn ([in, out] layout), gelu_new MLP, tied lm_head",
         (Check("learned position embeddings", zero("wpe")),)),
    Case("starcoder2", "starcoder2",
         base_config("Starcoder2ForCausalLM", "starcoder2", **SHAPE, norm_epsilon=1e-5, use_bias=True,
                     hidden_act="gelu_pytorch_tanh", sliding_window=4, tie_word_embeddings=True), 1218,
         "StarCoder2: LayerNorm with bias, biases on q/k/v/o and c_fc/c_proj, GELU MLP, window 4, GQA, tied",
         (Check("sliding window 4 (positions >= 4)", spec_with(window=None), same_rows=4),
          Check("biases", zero(".bias")))),
]


# ---------------------------------------------------------------- weights, files, checks

def init_weights(family, generator):
    """Scales that make greedy decoding meaningful: Hugging Face's std 0.02 gives near-uniform logits and argmax ties.
    Linear weights N(0, 1/fan_in) keep activations of unit size; biases and norm offsets are small, nonzero.
    Embeddings are N(0, 1) when an untied lm_head makes the logits. Tied embeddings double as the output layer: at
    N(0, 1) the current token's own logit (|e|^2) dominates and greedy decoding repeats the last token, so they are
    N(0, 0.3^2 / hidden), and N(0, 0.15^2 / hidden) when the family also multiplies them by sqrt(hidden) (Gemma)."""
    hidden = family.tensors[0][1][1]
    tied = not any(name == "lm_head.weight" for name, _, _ in family.tensors)
    embed_std = 1.0 if not tied else (0.3 if family.spec.embed_scale == 1.0 else 0.15) / math.sqrt(hidden)
    weights = {}
    for name, shape, kind in family.tensors:
        x = torch.randn(shape, generator=generator, dtype=torch.float32)
        if kind == "embed":
            x = x * embed_std
        elif kind == "linear":
            x = x / math.sqrt(shape[1])
        elif kind == "conv1d":
            x = x / math.sqrt(shape[0])
        elif kind in ("bias", "norm_offset"):
            x = x * 0.1
        else:
            x = 1 + x * 0.1
        weights[name] = x
    return weights


def write_safetensors(path, weights):
    """The safetensors format: 8-byte little-endian header length, a JSON header, then the tensors' bytes."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(weights):
        data = weights[name].contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(weights[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as the safetensors writer pads it
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def float_list(row):  # shortest repr that reads back as the same float32
    assert torch.isfinite(row).all()
    return "[" + ", ".join(str(v) for v in row.numpy()) + "]"


def reference_json(case, architecture, prompt, tokens, rows, routes):
    fields = [("case", json.dumps(case.name)), ("architecture", json.dumps(architecture)),
              ("description", json.dumps(case.description)), ("prompt_ids", json.dumps(prompt)),
              ("tokens", json.dumps(tokens)),
              ("logits", "[\n  " + ",\n  ".join(float_list(r) for r in rows) + "]"),
              ("semantics", json.dumps(SEMANTICS))]
    if routes:  # MoE: per layer, the experts each processed position chose, as the logits are ordered
        fields.append(("routes", json.dumps({str(l): [list(c) for c in r] for l, r in sorted(routes.items())})))
    return "{" + ",\n ".join(f'"{k}": {v}' for k, v in fields) + "}\n"


@dataclass
class Outcome:
    case: str
    failures: list
    rows: list  # (feature, max difference, positions required identical, their max difference, passed)
    summary: str


def generate(case, out_dir):
    cfg = dict(case.config)
    family = FAMILIES[case.family](cfg)
    generator = torch.Generator().manual_seed(case.seed)
    weights = init_weights(family, generator)
    prompt = torch.randint(0, cfg["vocab_size"], (PROMPT_LENGTH,), generator=generator).tolist()
    wide = {n: t.to(F64) for n, t in weights.items()}
    rows, tokens, trace = run(family.read(wide, family.spec), prompt, GENERATED)
    failures = []
    margins = [float(r.topk(2).values[0] - r.topk(2).values[1]) for r in rows[PROMPT_LENGTH - 1:]]
    if min(margins) <= MIN_MARGIN:
        failures.append(f"a greedy step wins by {min(margins):.2e} <= {MIN_MARGIN}: change the case's seed")
    if trace.routing_gaps and min(trace.routing_gaps) <= MIN_MARGIN:
        failures.append(f"a routing decision wins by {min(trace.routing_gaps):.2e} <= {MIN_MARGIN}: change the seed")
    for layer, routes in trace.routes.items():
        if len(set(routes)) < 2:
            failures.append(f"layer {layer} routes every position to the same experts {routes[0]}")
    table = []
    inputs = prompt + tokens[:-1]
    for check in case.checks:
        spec, changed = check.off(family.spec, wide)
        other, _, _ = run(family.read(changed, spec), inputs, 0)
        differences = [float((a - b).abs().max()) for a, b in zip(rows, other)]
        reached = max(differences[check.same_rows:])
        unreached = max(differences[:check.same_rows], default=0.0)
        passed = reached > MIN_FEATURE_EFFECT and unreached == 0.0
        table.append((check.feature, reached, check.same_rows, unreached, passed))
        if not passed:
            failures.append(f"switching off '{check.feature}' changes the logits by {reached:.2e} (needs > "
                            f"{MIN_FEATURE_EFFECT}) and the first {check.same_rows} positions by {unreached:.2e} "
                            "(needs 0)")
    unused = sorted(set(range(cfg["vocab_size"])) - set(prompt + tokens))
    # bos and eos are ids that never occur, so a generator that stops at eos still produces every reference token
    cfg["bos_token_id"], cfg["eos_token_id"] = unused[0], unused[-1]
    routes = "".join(f", layer {l} uses {len(set(r))} expert pairs" for l, r in trace.routes.items())
    summary = (f"{case.name:20} {family.architecture:22} {len(rows)} positions, tokens {tokens}, "
               f"min margin {min(margins):.3f}{routes}")
    if not failures:
        directory = os.path.join(out_dir, case.name)
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "config.json"), "w") as f:
            f.write(json.dumps(cfg, indent=2) + "\n")
        write_safetensors(os.path.join(directory, "model.safetensors"), weights)
        with open(os.path.join(directory, "reference.json"), "w") as f:
            f.write(reference_json(case, family.architecture, prompt, tokens, rows, trace.routes))
    return Outcome(case.name, failures, table, summary)


def main():
    parser = argparse.ArgumentParser(
        prog="scripts/reference-families",
        description="Writes tiny random checkpoints of every model family in Hugging Face layout (config.json, "
                    "model.safetensors) with reference logits and greedy tokens (reference.json), into OUT/<case>/.")
    parser.add_argument("--out", metavar="DIR", help="where the case folders go (a build folder: never committed)")
    parser.add_argument("--case", metavar="NAME", action="append", help="only this case (repeatable); default: all")
    parser.add_argument("--list", action="store_true", help="print the cases and what each exercises")
    args = parser.parse_args()
    by_name = {c.name: c for c in CASES}
    if args.list:
        for c in CASES:
            print(f"{c.name:20} {c.description}")
        return 0
    if not args.out:
        parser.error("--out DIR is required")
    unknown = [n for n in args.case or [] if n not in by_name]
    if unknown:
        parser.error(f"unknown case {', '.join(unknown)}; known: {', '.join(by_name)}")
    chosen = [by_name[n] for n in args.case] if args.case else CASES
    start = time.monotonic()
    outcomes = [generate(c, args.out) for c in chosen]
    for o in outcomes:
        print(o.summary)
    print(f"\n{'case':20} {'feature switched off':48} {'max |dlogit|':>12} {'unchanged rows':>15} ok")
    for o in outcomes:
        for feature, reached, same_rows, unreached, passed in o.rows:
            unchanged = f"0..{same_rows - 1}: {unreached:.0e}" if same_rows else "-"
            print(f"{o.case:20} {feature:48} {reached:12.4f} {unchanged:>15} {'yes' if passed else 'NO'}")
    failed = [o for o in outcomes if o.failures]
    for o in failed:
        for failure in o.failures:
            print(f"reference-families: case {o.case}: {failure}", file=sys.stderr)
    print(f"\n{len(outcomes) - len(failed)} of {len(outcomes)} cases written into {args.out} "
          f"in {time.monotonic() - start:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
