"""A KV cache that appends in place: transformers' DynamicLayer concatenates, copying the whole
cache at every decoded token (on 2 CPU cores, 110 of 250 ms a token at 8K tokens). Here each
layer keeps spare room and grows by a fraction of its length, so a token costs one small write.
"""

from __future__ import annotations

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

MIN_SPARE = 256  # tokens of room added at least when a layer grows


class GrowingLayer(DynamicLayer):
    """DynamicLayer whose keys and values are views of larger buffers.

    Assigning `keys`/`values` (as DynamicLayer's crop and batch methods do) adopts the tensor as
    the buffer, so every inherited method keeps working.
    """

    _kbuf = _vbuf = None
    _klen = _vlen = 0

    @property
    def keys(self):
        return None if self._kbuf is None else self._kbuf[..., : self._klen, :]

    @keys.setter
    def keys(self, tensor):
        self._kbuf, self._klen = tensor, _length(tensor)

    @property
    def values(self):
        return None if self._vbuf is None else self._vbuf[..., : self._vlen, :]

    @values.setter
    def values(self, tensor):
        self._vbuf, self._vlen = tensor, _length(tensor)

    def update(self, key_states, value_states, *args, **kwargs):
        # key_states, value_states: [B, Hkv, S_new, D]
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        self._kbuf, self._klen = _append(self._kbuf, self._klen, key_states)
        self._vbuf, self._vlen = _append(self._vbuf, self._vlen, value_states)
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
