"""A run's results: load them (the CLI, the UI), score them per length and depth, find the
effective context, and write the heatmap PNG and the summary table."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .errors import NoResultsError

RESULTS = "results.jsonl"
HEATMAP = "heatmap.png"
SUMMARY = "summary.md"
CONFIG = "run.json"
SUMMARY_HEADING = "# Needle in a haystack: "


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


@dataclass
class Run:
    """A results folder as the UI shows it: its cells, what they were measured with (run.json,
    None when only results.jsonl was kept) and a title."""

    results: Path
    cells: list[dict]
    config: dict | None
    title: str


def open_run(path) -> Run:
    """The run in `path` (a results folder or its results.jsonl); NoResultsError when there is
    no readable cell."""
    path = Path(path).expanduser()
    results = path / RESULTS if path.is_dir() else path
    if not results.is_file():
        raise NoResultsError(f"{path} holds no {RESULTS}: give a folder written by `longdoc niah --out` or the file")
    cells = [
        c for c in load_results(results) if isinstance(c, dict) and {"task", "length", "depth", "score"} <= c.keys()
    ]
    if not cells:
        raise NoResultsError(f"{results} holds no finished cell (empty, or not a needle run's results)")
    config_path = results.parent / CONFIG
    try:
        config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.is_file() else None
    except ValueError:
        config = None
    return Run(results, cells, config, run_title(config) if config else _summary_title(results.parent))


def _summary_title(folder: Path) -> str:
    """The title write_report gave the summary beside the results, else the folder's name."""
    summary = folder / SUMMARY
    first = summary.read_text(encoding="utf-8").partition("\n")[0] if summary.is_file() else ""
    return first.removeprefix(SUMMARY_HEADING) if first.startswith(SUMMARY_HEADING) else folder.name


def run_title(config: dict) -> str:
    return f"{config['model']} ({config['settings']}), target {config['target']}, seed {config['seed']}"


def tokens_label(n: int) -> str:
    """4K = 4,096; 1M = 1,048,576 or 1,000,000."""
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20}M"
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


def length_rows(cells: list[dict]) -> list[dict]:
    """One row per length: its label, accuracy per task ("" where the task did not run there) and
    over all, and its number of cells, accuracies as whole percentages."""
    tasks = list(dict.fromkeys(c["task"] for c in cells))
    by = accuracy(cells, lambda c: (c["task"], c["length"]))
    overall = accuracy(cells, lambda c: c["length"])
    return [
        {
            "length": tokens_label(n),
            **{t: f"{100 * by[(t, n)]:.0f}%" if (t, n) in by else "" for t in tasks},
            "all": f"{100 * overall[n]:.0f}%",
            "cells": sum(c["length"] == n for c in cells),
        }
        for n in sorted(overall)
    ]


def summary_table(cells: list[dict], header: str, threshold: float) -> str:
    rows = length_rows(cells)
    lines = [header, "", "| " + " | ".join(rows[0]) + " |", "|---" * len(rows[0]) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row.values()) + " |" for row in rows]
    effective = effective_context(cells, threshold)
    lines += [
        "",
        f"Effective context (accuracy >= {threshold:.0%} at this length and every shorter one): "
        + (f"**{effective:,} tokens**" if effective else "below the shortest length tested"),
    ]
    return "\n".join(lines) + "\n"


def heatmap(cells: list[dict], path, title: str) -> Path:
    """heatmap_figure as a PNG at `path`."""
    path = Path(path)
    heatmap_figure(cells, title).savefig(path, dpi=110)
    return path


def heatmap_figure(cells: list[dict], title: str):
    """Length x depth, red (0) to green (1), one panel per task, each cell's score written in it."""
    from matplotlib.figure import Figure

    tasks = list(dict.fromkeys(c["task"] for c in cells))
    lengths = sorted({c["length"] for c in cells})
    depths = sorted({c["depth"] for c in cells})
    fig = Figure(
        figsize=(1.2 + 0.75 * len(lengths) * len(tasks) + 1.0 * len(tasks), 1.4 + 0.42 * len(depths)),
        layout="constrained",
    )
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
    return fig
