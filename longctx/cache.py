"""A KV cache that appends in place: transformers' DynamicLayer concatenates, copying the whole
cache at every decoded token (on 2 CPU cores, 110 of 250 ms a token at 8K tokens). Here each
layer keeps spare room and grows by a fraction of its length, so a token costs one small write.
"""

from __future__ import annotations

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

MIN_SPARE = 256  # tokens of room added at least when a layer grows


class Filled:
    """`keys` or `values` of a GrowingLayer: the filled part of a buffer grown ahead of need.
    Assigning a tensor (as DynamicLayer's crop and batch methods do) adopts it as the buffer."""

    def __set_name__(self, owner, name: str):
        self.buffer, self.length = f"_{name}_buffer", f"_{name}_length"

    def __get__(self, layer, owner=None):
        if layer is None:
            return self
        buffer = layer.__dict__.get(self.buffer)
        return None if buffer is None else buffer[..., : layer.__dict__[self.length], :]

    def __set__(self, layer, tensor):
        layer.__dict__[self.buffer], layer.__dict__[self.length] = tensor, _length(tensor)

    def append(self, layer, new: torch.Tensor) -> None:
        buffer, length = layer.__dict__.get(self.buffer), layer.__dict__.get(self.length, 0)
        layer.__dict__[self.buffer], layer.__dict__[self.length] = _append(buffer, length, new)


class GrowingLayer(DynamicLayer):
    """DynamicLayer whose keys and values are views of larger buffers, so that every inherited
    method keeps working."""

    keys = Filled()
    values = Filled()

    def update(self, key_states, value_states, *args, **kwargs):
        # key_states, value_states: [B, Hkv, S_new, D]
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        GrowingLayer.keys.append(self, key_states)
        GrowingLayer.values.append(self, value_states)
        return self.keys, self.values


def _length(tensor) -> int:
    return 0 if tensor is None or tensor.dim() < 2 else tensor.shape[-2]


def _append(buffer, length: int, new: torch.Tensor):
    needed = length + new.shape[-2]
    if buffer is None or buffer.dim() < 2 or needed > buffer.shape[-2]:
        grown = new.new_empty((*new.shape[:-2], needed + max(MIN_SPARE, needed // 4), new.shape[-1]))
        if length:
            grown[..., :length, :] = buffer[..., :length, :]
        buffer = grown
    buffer[..., length:needed, :] = new
    return buffer, needed


def new_cache(model) -> DynamicCache:
    """An empty cache for `model.generate(past_key_values=...)`: full-attention layers grow in place."""
    cache = DynamicCache(config=model.config)
    cache.layers = [GrowingLayer() if type(layer) is DynamicLayer else layer for layer in cache.layers]
    return cache
