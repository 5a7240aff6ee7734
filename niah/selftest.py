"""`self_test`: a needle run from plain arguments, as `longdoc niah` takes them."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import NiahError
from .haystack import Haystack
from .run import DEFAULT_THRESHOLD, Grid, run

MODEL_LENGTHS = (4096, 8192, 16384, 32768)
AGENT_LENGTHS = (32768, 131072, 524288, 1048576)
DEPTHS = (0.0, 25.0, 50.0, 75.0, 100.0)


def parse_lengths(text: str) -> tuple[int, ...]:
    """ "4k,8k,1m" or "4096,8192": K = 1,024 tokens and M = 1,024 K, as needle tests count."""
    out = []
    for part in filter(None, (p.strip().lower() for p in text.split(","))):
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([km]?)", part)
        if not match:
            raise NiahError(f"cannot read the length {part!r}: write tokens as 4096, 4k or 1m")
        out.append(int(float(match[1]) * {"": 1, "k": 1024, "m": 1024 * 1024}[match[2]]))
    return tuple(out)


def parse_depths(text: str) -> tuple[float, ...]:
    """ "0,25,50,75,100" (percent), or one whole number n >= 2: n depths evenly from 0 to 100."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        if len(parts) == 1 and parts[0].isdigit() and int(parts[0]) >= 2:
            n = int(parts[0])
            return tuple(round(100 * i / (n - 1), 1) for i in range(n))
        return tuple(float(p) for p in parts)
    except ValueError:
        raise NiahError(f"cannot read the depths {text!r}: write percents (0,50,100) or a count (5)") from None


def self_test(
    target: str = "model",
    *,
    model: str | None = None,
    long_context: str = "auto",
    chunk_size: int | None = None,
    local_size: int | None = None,
    temperature: float | None = None,
    strategy: str = "auto",
    lengths=None,
    depths=DEPTHS,
    tasks=("single",),
    haystack=None,
    repeat: bool = False,
    seed: int = 0,
    threshold: float = DEFAULT_THRESHOLD,
    out=None,
    max_new_tokens: int | None = None,
    progress: bool = True,
    command: str = "",
    measurements: Path | None = None,
    dtype: str | None = None,
) -> dict:
    """Needle tests of `model` (default: the embedded one) with its long-context settings, against
    `target`: "model" (the haystack read whole) or "agent" (`Agent.ask` over it). `haystack`:
    files or folders of the user's (default: text shipped with Python and longdoc's packages)."""
    grid = Grid(tuple(lengths or (MODEL_LENGTHS if target == "model" else AGENT_LENGTHS)), tuple(depths), tuple(tasks))
    if target == "model":
        from .targets import ModelTarget

        subject = ModelTarget.load(
            model, long_context, chunk_size, local_size, max_new_tokens or 64, dtype, temperature
        )
    elif target == "agent":
        from agent import Agent
        from agent.backends import LocalBackend

        from .targets import AgentTarget

        subject = AgentTarget(Agent(LocalBackend(model_name=model)), strategy, max_new_tokens or 96)
    else:
        raise NiahError(f"unknown target {target!r}: choose model or agent")
    longest = max(grid.lengths)
    if haystack:
        stack = Haystack.from_paths(
            [haystack] if isinstance(haystack, (str, Path)) else haystack, subject.counter, repeat
        )
    else:
        stack = Haystack.shipped(subject.counter, longest, repeat)
    out = Path(out or Path("runs") / "niah" / f"{target}-{subject.name}-{subject.settings}")
    return run(
        subject,
        grid,
        stack,
        out,
        seed=seed,
        threshold=threshold,
        measurements=measurements,
        progress=progress,
        command=command,
    ) | {"out": str(out)}
