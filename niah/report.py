"""A run's results: load them (the CLI, the UI), score them per length and depth, find the
effective context, and write the heatmap PNG and the summary table."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

RESULTS = "results.jsonl"
HEATMAP = "heatmap.png"
SUMMARY = "summary.md"


def load_results(path) -> list[dict]:
    """The cells of a run: `path` is its folder or its results.jsonl. A line cut short by an
    interrupted write is skipped (that cell runs again on resume)."""
    path = Path(path)
    path = path / RESULTS if path.is_dir() else path
    if not path.exists():
        return []
    cells = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            cells.append(json.loads(line))
        except ValueError:
            continue
    return cells


def tokens_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    return f"{n / 1024:g}K" if n % 1024 == 0 else (f"{n / 1000:g}K" if n % 1000 == 0 else str(n))


def accuracy(cells: list[dict], key) -> dict:
    """Mean score of the cells grouped by `key(cell)`."""
    groups = defaultdict(list)
    for cell in cells:
        groups[key(cell)].append(cell["score"])
    return {k: sum(v) / len(v) for k, v in groups.items()}


def effective_context(cells: list[dict], threshold: float) -> int | None:
    """RULER's idea: the longest length at which accuracy over depths and tasks stays >= threshold,
    and at every shorter length tested too; None when the shortest already falls below."""
    by_length = accuracy(cells, lambda c: c["length"])
    best = None
    for length in sorted(by_length):
        if by_length[length] < threshold:
            break
        best = length
    return best


def summary_table(cells: list[dict], header: str, threshold: float) -> str:
    tasks = list(dict.fromkeys(c["task"] for c in cells))
    by = accuracy(cells, lambda c: (c["task"], c["length"]))
    overall = accuracy(cells, lambda c: c["length"])
    lines = [header, "", "| length | " + " | ".join(tasks) + " | all | cells |", "|---" * (len(tasks) + 3) + "|"]
    for length in sorted(overall):
        n = sum(c["length"] == length for c in cells)
        row = [f"{100 * by[(t, length)]:.0f}%" if (t, length) in by else "" for t in tasks]
        lines.append(f"| {tokens_label(length)} | " + " | ".join(row) + f" | {100 * overall[length]:.0f}% | {n} |")
    effective = effective_context(cells, threshold)
    lines += ["", f"Effective context (accuracy >= {threshold:.0%} at this length and every shorter one): "
                  + (f"**{effective:,} tokens**" if effective else "below the shortest length tested")]
    return "\n".join(lines) + "\n"


def heatmap(cells: list[dict], path, title: str) -> Path:
    """Length x depth, red (0) to green (1), one panel per task, each cell's score written in it."""
    from matplotlib.figure import Figure

    tasks = list(dict.fromkeys(c["task"] for c in cells))
    lengths = sorted({c["length"] for c in cells})
    depths = sorted({c["depth"] for c in cells})
    fig = Figure(figsize=(1.2 + 0.75 * len(lengths) * len(tasks) + 1.0 * len(tasks), 1.4 + 0.42 * len(depths)),
                 layout="constrained")
    axes = fig.subplots(1, len(tasks), squeeze=False)[0]
    for ax, task in zip(axes, tasks):
        score = accuracy([c for c in cells if c["task"] == task], lambda c: (c["depth"], c["length"]))
        grid = [[score.get((d, n), float("nan")) for n in lengths] for d in depths]
        image = ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
        for i, row in enumerate(grid):
            for j, value in enumerate(row):
                if value == value:  # not NaN: the cell ran
                    ax.text(j, i, f"{100 * value:.0f}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(len(lengths)), [tokens_label(n) for n in lengths])
        ax.set_yticks(range(len(depths)), [f"{d:g}%" for d in depths])
        ax.set_xlabel("context length (tokens)")
        ax.set_ylabel("needle depth")
        ax.set_title(task)
    fig.colorbar(image, ax=list(axes), label="score", shrink=0.8)
    fig.suptitle(title, fontsize=10)
    path = Path(path)
    fig.savefig(path, dpi=110)
    return path
