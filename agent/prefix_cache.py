"""Prompt KV caches kept between generations: a prompt that begins with an earlier prompt's tokens
(the same document, a new question) reads only its new tail.

Exact: a cached key or value is the one a full prefill computes (with longctx's DCA too, a
prefix's positions and their chunk-relative rotation are the same in both), so the reply equals
a cold run's up to float rounding. Bounded: least recently used entries go once their K/V bytes
pass `max_bytes`.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict

import torch

MIN_REUSE = 32  # tokens: a shorter common prefix (the chat template's opening) is not worth a copy


def cache_bytes(cache) -> int:
    return sum(t.numel() * t.element_size() for layer in _layers(cache) for t in layer if t is not None)


def crop_to(cache, length: int) -> None:
    """Keep the first `length` tokens of `cache` (transformers' crop takes how many to remove)."""
    if (extra := cache.get_seq_length() - length) > 0:
        cache.crop(-extra)


def _layers(cache):
    return [(layer.keys, layer.values) for layer in cache.layers] if hasattr(cache, "layers") else list(cache)


class PrefixCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.entries: OrderedDict[int, tuple[torch.Tensor, object, int]] = (
            OrderedDict()
        )  # id -> (tokens [S], cache, bytes)
        self.hits = self.reused_tokens = 0
        self._lock = threading.Lock()

    def lookup(self, tokens: torch.Tensor):
        """(a copy of the cache of the longest stored prefix of `tokens`, cropped to it, and its
        length) or (None, 0). At least one token is left to read: generation needs a last logit."""
        with self._lock:
            best, length = None, 0
            for key, (stored, _cache, _) in self.entries.items():
                n = min(len(stored), len(tokens) - 1)
                same = int((stored[:n] == tokens[:n]).to(torch.int64).cumprod(0).sum()) if n > 0 else 0
                if same > length:
                    best, length = key, same
            if best is None or length < MIN_REUSE:
                return None, 0
            self.entries.move_to_end(best)
            cache = copy.deepcopy(self.entries[best][1])
        crop_to(cache, length)
        self.hits, self.reused_tokens = self.hits + 1, self.reused_tokens + length
        return cache, length

    def store(self, tokens: torch.Tensor, cache) -> None:
        """Keep `cache` (it may hold more than `tokens`: the reply; cropped to the prompt here)."""
        if len(tokens) < MIN_REUSE:
            return
        crop_to(cache, len(tokens))
        for layer in getattr(cache, "layers", []):  # a cropped view holds its whole buffer: keep only the prompt's
            if layer.keys is not None:
                layer.keys, layer.values = layer.keys.clone(), layer.values.clone()
        size = cache_bytes(cache)
        if size > self.max_bytes:
            return
        with self._lock:
            for key, (stored, _, _) in list(self.entries.items()):
                if len(stored) <= len(tokens) and torch.equal(stored, tokens[: len(stored)]):
                    del self.entries[key]  # the new entry holds all of it
            self.entries[id(cache)] = (tokens.clone(), cache, size)
            while sum(entry[2] for entry in self.entries.values()) > self.max_bytes:
                self.entries.popitem(last=False)

    @property
    def bytes(self) -> int:
        return sum(entry[2] for entry in self.entries.values())
