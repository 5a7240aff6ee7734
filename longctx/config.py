"""LongContextConfig: the Dual Chunk Attention settings, and named presets.

Names follow Qwen2.5-1M's `dual_chunk_attention_config`: key positions repeat with period
`chunk_size - local_size`; no query-key distance ever exceeds `chunk_size`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .errors import ConfigError

BACKENDS = ("auto", "torch", "flash_attn")


@dataclass(frozen=True)
class LongContextConfig:
    chunk_size: int
    local_size: int
    original_max_position_embeddings: int | None = None  # None: read from the model's config
    scale_attention: bool = True  # YaRN temperature: logits of the query at position p times mscale(p + 1)²
    temperature_coefficient: float = 0.1  # YaRN's c in mscale(L) = c·ln(L / original window) + 1
    backend: str = "auto"  # "auto" | "torch" | "flash_attn"
    max_length: int | None = None  # longest input (prompt + cache) accepted; None: no limit

    def __post_init__(self):
        if not (isinstance(self.chunk_size, int) and isinstance(self.local_size, int)):
            raise ConfigError("chunk_size and local_size must be integers")
        if self.local_size < 0 or self.chunk_size <= 0:
            raise ConfigError(f"chunk_size ({self.chunk_size}) must be > 0 and local_size ({self.local_size}) >= 0")
        if self.local_size >= self.chunk_size:
            raise ConfigError(
                f"local_size ({self.local_size}) must be smaller than chunk_size ({self.chunk_size}): "
                "the period of key "
                f"positions is chunk_size - local_size; use e.g. local_size = chunk_size // 8"
            )
        if self.backend not in BACKENDS:
            raise ConfigError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
        if self.original_max_position_embeddings is not None and self.original_max_position_embeddings <= 0:
            raise ConfigError("original_max_position_embeddings must be positive")
        if not (isinstance(self.temperature_coefficient, (int, float)) and self.temperature_coefficient >= 0):
            raise ConfigError(f"temperature_coefficient must be a number >= 0, got {self.temperature_coefficient!r}")
        if self.max_length is not None and self.max_length <= 0:
            raise ConfigError("max_length must be positive or None")

    @property
    def chunk_len(self) -> int:
        """Period of key positions (the DCA paper's s)."""
        return self.chunk_size - self.local_size

    @property
    def temperature(self) -> float:
        """The coefficient in effect: 0 when scale_attention is off."""
        return float(self.temperature_coefficient) if self.scale_attention else 0.0

    def with_(self, **changes) -> "LongContextConfig":
        return replace(self, **changes)


def attention_temperature(length, original: int, coefficient: float = 0.1):
    """Qwen's YaRN temperature for DCA at a sequence length, or at each of a tensor of lengths
    (one a query: patch.py): logits are multiplied by its square; 1 within the original window."""
    ratio = length / original
    if isinstance(ratio, float):
        return coefficient * math.log(ratio) + 1.0 if ratio > 1 else 1.0
    return (coefficient * ratio.log() + 1.0).clamp(min=1.0)


# Presets keyed by a lower-case model name. Qwen2 32K models have no official DCA setting; like
# Qwen2.5-1M (chunk_size = trained window), we use the trained window as chunk_size.
# max_length is the length the Qwen2 report validated with YaRN + DCA where it gives one.
_QWEN2_32K = LongContextConfig(
    chunk_size=32768, local_size=2048, original_max_position_embeddings=32768, max_length=131072
)
PRESETS: dict[str, LongContextConfig] = {
    "qwen2-0.5b-instruct": _QWEN2_32K,
    "qwen2-1.5b-instruct": _QWEN2_32K,
    "qwen2-7b-instruct": _QWEN2_32K,
    "qwen2-72b-instruct": _QWEN2_32K,
    "qwen2-57b-a14b-instruct": _QWEN2_32K.with_(max_length=65536),
    # the embedded Qwens (longctx/embedded.py): Qwen2 of 32K window, rope_theta 1e6, like those above
    "qwen2.5-coder-0.5b-instruct": _QWEN2_32K,
    "qwen2.5-coder-1.5b-instruct": _QWEN2_32K,
    # Values of the models' own dual_chunk_attention_config.
    "qwen2.5-7b-instruct-1m": LongContextConfig(
        chunk_size=262144, local_size=8192, original_max_position_embeddings=262144, max_length=1010000
    ),
    "qwen2.5-14b-instruct-1m": LongContextConfig(
        chunk_size=262144, local_size=8192, original_max_position_embeddings=262144, max_length=1010000
    ),
    # Embedded SmolLM2-135M-Instruct (8K window): chunk_size = window as Qwen does. No other chunk, local window
    # or temperature did better (docs/benchmarks/needle.md at 12K, docs/benchmarks/dca-probe.md at 16K).
    "smollm2-135m-instruct": LongContextConfig(
        chunk_size=8192, local_size=1024, original_max_position_embeddings=8192, max_length=65536
    ),
}


def preset_for(name: str | None, model_config=None) -> LongContextConfig | None:
    """The preset for a model name or path, or one read from the model's own DCA config; None if unknown."""
    dca = getattr(model_config, "dual_chunk_attention_config", None) if model_config is not None else None
    if dca:
        return LongContextConfig(
            chunk_size=int(dca["chunk_size"]),
            local_size=int(dca["local_size"]),
            original_max_position_embeddings=int(
                dca.get("original_max_position_embeddings") or model_config.max_position_embeddings
            ),
            max_length=getattr(model_config, "max_position_embeddings", None),
        )
    if not name:
        return None
    key = str(name).replace("\\", "/").rstrip("/").split("/")[-1].lower()
    key = key.removesuffix(".gguf")
    for preset_name in sorted(PRESETS, key=len, reverse=True):  # longest match first (…-instruct-1m before …-instruct)
        if preset_name in key:
            return PRESETS[preset_name]
    return None
