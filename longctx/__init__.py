"""longctx: read past a RoPE model's trained window, training-free, with YaRN and Dual Chunk Attention."""

from .cache import new_cache
from .config import PRESETS, LongContextConfig, attention_temperature, preset_for
from .errors import (
    BackendUnavailableError,
    ConfigError,
    ContextTooLongError,
    LongContextError,
    ModelNotFoundError,
    UnsupportedModelError,
)
from .loading import embedded_model_path, load_model
from .patch import apply, dca_state, remove

__all__ = [
    "LongContextConfig",
    "PRESETS",
    "preset_for",
    "attention_temperature",
    "apply",
    "remove",
    "dca_state",
    "load_model",
    "embedded_model_path",
    "new_cache",
    "LongContextError",
    "ConfigError",
    "UnsupportedModelError",
    "BackendUnavailableError",
    "ContextTooLongError",
    "ModelNotFoundError",
]
