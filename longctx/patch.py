"""`apply(model, config)`: Dual Chunk Attention for a loaded transformers model, through public hooks.

- a forward pre-hook on each rotary module turns `position_ids` into `position_ids % chunk_len`
  (the intra-chunk query rotation and the cacheable key rotation);
- an attention function registered with `AttentionInterface` (and a 2-D padding mask registered
  with `AttentionMaskInterface`) runs DCA per sequence.
A model whose `rope_parameters` are YaRN (Qwen2's recommended long-input setting) gets one
temperature, never two: while DCA is on, its rotary modules use the trained RoPE frequencies and no
attention factor, and longctx's per-query temperature (from YaRN's original window) is the only one,
as Qwen's own DCA implementation does; no distance ever exceeds `chunk_size`, so YaRN's stretched
frequencies are not needed. `remove` gives the model its YaRN back.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import AttentionInterface
from transformers.masking_utils import AttentionMaskInterface, flash_attention_mask

from .config import LongContextConfig, attention_temperature
from .dca import dca_attention
from .errors import ContextTooLongError, UnsupportedModelError
from .kernels import resolve_backend

ATTN_NAME = "longctx_dca"
# Decoders whose attention is RoPE (rotate-half) + AttentionInterface with this exact layout.
SUPPORTED_MODEL_TYPES = ("llama", "mistral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe")


@dataclass
class DCAState:
    config: LongContextConfig
    original_window: int
    backend: str  # resolved kernel: "torch" or "flash_attn"
    rotary: torch.nn.Module  # owner of inv_freq
    previous_attn_implementation: str
    hook_handles: list
    replaced_yarn: list  # (rotary module, its YaRN inv_freq, its attention factor), restored by remove


def apply(model, config: LongContextConfig):
    """Patch `model` in place for DCA; returns it. Calling it again replaces the earlier config."""
    model_type = getattr(model.config, "model_type", None)
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise UnsupportedModelError(
            f"longctx supports RoPE decoders of types {SUPPORTED_MODEL_TYPES}, not {model_type!r}: "
            "load a Qwen2/Qwen2.5/Llama-family model, or read long documents through the agent's retrieval"
        )
    rotaries = [m for m in model.modules() if type(m).__name__.endswith("RotaryEmbedding") and hasattr(m, "inv_freq")]
    head_dim = getattr(model.config, "head_dim", None) or model.config.hidden_size // model.config.num_attention_heads
    if not rotaries or any(2 * r.inv_freq.numel() != head_dim for r in rotaries):
        raise UnsupportedModelError(
            f"{type(model).__name__} has no full-width rotary embedding module; longctx needs RoPE on all head dims"
        )
    remove(model)
    param = next(model.parameters())
    rope = model.config.rope_parameters or {}
    state = DCAState(
        config=config,
        original_window=(
            config.original_max_position_embeddings
            or rope.get("original_max_position_embeddings")
            or model.config.max_position_embeddings
        ),
        backend=resolve_backend(config.backend, param.device, param.dtype),
        rotary=rotaries[0],
        previous_attn_implementation=model.config._attn_implementation,
        hook_handles=[],
        replaced_yarn=[],
    )
    if rope.get("rope_type") == "yarn":
        trained = 1.0 / (rope["rope_theta"] ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        for rotary in rotaries:
            state.replaced_yarn.append((rotary, rotary.inv_freq.clone(), rotary.attention_scaling))
            rotary.inv_freq.copy_(trained)
            rotary.attention_scaling = 1.0

    def chunked_positions(module, args, kwargs):
        if "position_ids" in kwargs:
            kwargs["position_ids"] = kwargs["position_ids"] % config.chunk_len
        else:
            args = (args[0], args[1] % config.chunk_len, *args[2:])
        return args, kwargs

    for rotary in rotaries:
        state.hook_handles.append(rotary.register_forward_pre_hook(chunked_positions, with_kwargs=True))
    for module in _attention_modules(model):
        module.longctx_state = state
    AttentionInterface.register(ATTN_NAME, dca_attention_forward)
    AttentionMaskInterface.register(ATTN_NAME, flash_attention_mask)  # None, or the 2-D padding mask
    model.set_attn_implementation(ATTN_NAME)
    return model


def remove(model):
    """Undo `apply` (no-op on an unpatched model); returns the model."""
    state = dca_state(model)
    if state is None:
        return model
    for handle in state.hook_handles:
        handle.remove()
    for rotary, inv_freq, attention_scaling in state.replaced_yarn:
        rotary.inv_freq.copy_(inv_freq)
        rotary.attention_scaling = attention_scaling
    for module in _attention_modules(model):
        del module.longctx_state
    model.set_attn_implementation(state.previous_attn_implementation)
    return model


def dca_state(model) -> DCAState | None:
    return next((m.longctx_state for m in _attention_modules(model) if hasattr(m, "longctx_state")), None)


def _attention_modules(model):
    return (m for m in model.modules() if hasattr(m, "layer_idx") and hasattr(m, "k_proj"))


def dca_attention_forward(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """AttentionInterface function. query: [B, H, Sq, D]; key, value: [B, Hkv, Sk, D] (whole cache).

    attention_mask is None (no padding) or the [B, Sk] padding mask; a sequence's positions are
    the running count of its real tokens, as `generate` numbers them.
    """
    state: DCAState = module.longctx_state
    scaling = module.scaling if scaling is None else scaling
    if attention_mask is None:
        out = _attend_sequence(state, query, key, value, scaling)
    else:
        out = torch.zeros_like(query)  # padded query rows stay zero
        keep = attention_mask[:, -key.shape[2] :].bool()
        for b in range(query.shape[0]):  # rows differ in where their chunks start: one at a time
            q_keep = keep[b, -query.shape[2] :]
            if q_keep.any():
                out[b : b + 1, :, q_keep] = _attend_sequence(
                    state,
                    query[b : b + 1, :, q_keep],
                    key[b : b + 1, :, keep[b]],
                    value[b : b + 1, :, keep[b]],
                    scaling,
                )
    return out.transpose(1, 2).contiguous(), None  # [B, Sq, H, D], as transformers expects


def _attend_sequence(state: DCAState, query, key, value, scaling):
    cfg = state.config
    length = key.shape[2]
    if cfg.max_length is not None and length > cfg.max_length:
        raise ContextTooLongError(
            f"input of {length} tokens exceeds this long-context config's max_length of {cfg.max_length}: "
            "shorten the input, read it through the agent's retrieval strategies, or raise max_length "
            "(quality past it is unmeasured)"
        )
    if cfg.temperature and length > state.original_window:
        # The query at position p sees p + 1 keys: its temperature depends on that alone, so a cached
        # decode equals a full recompute, and the newest token gets the request's own temperature.
        seen = torch.arange(length - query.shape[2] + 1, length + 1, device=query.device, dtype=torch.float32)
        temperature = attention_temperature(seen, state.original_window, cfg.temperature)
        query = query * (temperature**2).to(query.dtype)[:, None]  # logits scale by mscale²
    return dca_attention(
        query,
        key,
        value,
        chunk_size=cfg.chunk_size,
        chunk_len=cfg.chunk_len,
        inv_freq=state.rotary.inv_freq,
        scale=scaling,
        backend=state.backend,
    )
