"""The context a model really uses: measured by needle tests where a measurement exists.

`direct` reads a whole document only when it fits this window, not the nominal one: the
embedded SmolLM2 finds every needle at 4K but misses some at 8K (docs/benchmarks/needle.md).
`longdoc niah` results saved to ~/.cache/longdoc/effective-context.json take precedence.
"""
import json
from pathlib import Path

MEASUREMENTS = Path.home() / ".cache" / "longdoc" / "effective-context.json"
# (model, settings) -> tokens where needle accuracy over depths stayed at 100%
SHIPPED = {
    ("SmolLM2-135M-Instruct", "plain"): 4096,
    ("SmolLM2-135M-Instruct", "dca-8192-1024"): 4096,
}


def settings_key(model) -> str:
    from longctx import dca_state

    state = dca_state(model)
    return f"dca-{state.config.chunk_size}-{state.config.local_size}" if state else "plain"


def effective_window(model_name: str, settings: str, nominal: int) -> tuple[int, str]:
    """(tokens, where the number comes from)."""
    key = f"{model_name}|{settings}"
    if MEASUREMENTS.exists():
        try:
            measured = json.loads(MEASUREMENTS.read_text(encoding="utf-8"))
            if key in measured:
                return int(measured[key]), f"needle tests saved in {MEASUREMENTS}"
        except (OSError, ValueError):
            pass
    if (model_name, settings) in SHIPPED:
        return SHIPPED[(model_name, settings)], "needle tests shipped with longdoc (docs/benchmarks/needle.md)"
    return nominal, "the nominal window (no needle measurement for this model and settings)"
