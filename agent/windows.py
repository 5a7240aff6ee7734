"""The context a model really uses: measured by needle tests where a measurement exists.

`direct` reads a whole document only when it fits this window, not the nominal one: the
embedded SmolLM2 finds every needle at 4K but misses some at 8K (docs/benchmarks/needle.md).
`longdoc niah` results saved to ~/.cache/longdoc/effective-context.json take precedence.
"""

import json
import logging
from pathlib import Path

from retrieval.cache import DEFAULT_CACHE_DIR, DamagedCacheError, read_cached, write_atomic

MEASUREMENTS = DEFAULT_CACHE_DIR / "effective-context.json"
MIN_WINDOW = 256  # below this a measurement is not one: a damaged or edited file
log = logging.getLogger(__name__)
# (model, settings) -> tokens where needle accuracy over depths stayed at 100%
SHIPPED = {
    ("SmolLM2-135M-Instruct", "plain"): 4096,
    ("SmolLM2-135M-Instruct", "dca-8192-1024"): 4096,
}


# prompt tokens x parameters that 2 CPU cores prefill in about 15 s: the embedded Qwen (0.63B
# parameters as loaded, bf16) reads 1,024 tokens in 2.9 s and 4,096 in about 13 s (docs/benchmarks/reader-speed.md)
CPU_PROMPT_WORK = 2.5e12
CPU_MIN_PROMPT = 1_024  # below this no strategy has room for its passages


def cpu_prompt_tokens(parameters: int) -> int:
    """The longest prompt a CPU reads in about the time of one answer: a model's measured window
    is what it understands, this is what it reads in time (a 0.5B model: about 4K tokens)."""
    return max(CPU_MIN_PROMPT, int(CPU_PROMPT_WORK / max(parameters, 1)))


def model_key(model_name: str | None) -> str:
    """How measurements name a model: the file or folder name, or the embedded model's."""
    from longctx.embedded import embedded

    if model_name and (shipped := embedded(model_name)):
        return Path(shipped.gguf).stem.rsplit(".", 1)[
            0
        ]  # "qwen2.5-coder-0.5b-instruct": its file, less the quantization
    return Path(str(model_name).rstrip("/\\")).stem if model_name else "SmolLM2-135M-Instruct"


def _measurements(path: Path) -> dict[str, int]:
    """The saved measurements that are measurements (whole numbers of tokens); a damaged file
    counts as none, with a warning."""
    if not path.exists():
        return {}
    try:
        measured = json.loads(read_cached(path))
        if not isinstance(measured, dict):
            raise ValueError("not an object")
    except (OSError, ValueError, DamagedCacheError) as error:
        log.warning("ignoring %s: %s", path, error)
        return {}
    return {key: value for key, value in measured.items() if type(value) is int and value >= MIN_WINDOW}


def save_measurement(model_name: str, settings: str, tokens: int, path: Path | None = None) -> Path:
    """Record a model's effective context for these long-context settings (`longdoc niah`)."""
    path = path or MEASUREMENTS
    measured = _measurements(path)  # a damaged file is replaced, not fatal
    measured[f"{model_name}|{settings}"] = int(tokens)
    write_atomic(path, (json.dumps(measured, indent=2, sort_keys=True) + "\n").encode())
    return path


def settings_key(model) -> str:
    from longctx import dca_state

    state = dca_state(model)
    if state is None:
        return "plain"
    key = f"dca-{state.config.chunk_size}-{state.config.local_size}"
    # the default temperature (YaRN's 0.1) keeps the key that measurements were saved under
    return key if state.config.temperature == 0.1 else f"{key}-t{state.config.temperature:g}"


def effective_window(model_name: str, settings: str, nominal: int, path: Path | None = None) -> tuple[int, str]:
    """(tokens, where the number comes from)."""
    key, path = f"{model_name}|{settings}", path or MEASUREMENTS
    measured = _measurements(path).get(key)
    if measured is not None and measured <= nominal:  # a window past the model's own is not measured
        return measured, f"needle tests saved in {path}"
    if (model_name, settings) in SHIPPED:
        return SHIPPED[(model_name, settings)], "needle tests shipped with longdoc (docs/benchmarks/needle.md)"
    return nominal, "the nominal window (no needle measurement for this model and settings)"
