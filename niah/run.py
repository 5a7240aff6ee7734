"""A needle run: a grid of lengths x depths x tasks against one target, one cell at a time.

Every finished cell is appended to results.jsonl at once (raw output, expected values, token
depths, timings), so an interrupted run loses at most the cell it was in: run the same command
again and only the missing cells run. run.json records what the cells were measured with; a
folder holding another model, settings, seed or haystack is refused rather than mixed.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from . import report, tasks
from .errors import EmptyGridError, LengthBeyondTargetError, NiahError, ResultsMismatchError
from .haystack import Haystack

OUT_OF_MEMORY = (MemoryError, torch.OutOfMemoryError)
PROMPT_RESERVE = 256  # chat template, question and answer beside the haystack
DEFAULT_THRESHOLD = 0.85  # RULER's bar: Llama-2-7B's score at 4K


@dataclass(frozen=True)
class Grid:
    lengths: tuple[int, ...]
    depths: tuple[float, ...]  # percent of the haystack's tokens before the needle
    tasks: tuple[str, ...] = ("single",)

    def __post_init__(self):
        if not self.lengths or not self.depths or not self.tasks:
            empty = [n for n in ("lengths", "depths", "tasks") if not getattr(self, n)]
            raise EmptyGridError(f"the grid has no {' and no '.join(empty)}: give at least one of each")
        if unknown := [t for t in self.tasks if t not in tasks.TASKS]:
            raise NiahError(f"unknown task(s) {', '.join(unknown)}; choose from {', '.join(tasks.TASKS)}")
        if bad := [d for d in self.depths if not 0 <= d <= 100]:
            raise NiahError(f"depths are percentages from 0 to 100, got {bad}")
        if bad := [n for n in self.lengths if n <= 0]:
            raise NiahError(f"lengths must be positive token counts, got {bad}")

    def cells(self):
        return [(t, n, d) for t in self.tasks for n in sorted(self.lengths) for d in sorted(self.depths)]


def cell_id(task: str, length: int, depth: float) -> str:
    return f"{task}|{length}|{depth:g}"


def check(target, grid: Grid, haystack: Haystack) -> None:
    """Every error a grid can meet, before any cell runs."""
    longest = max(grid.lengths)
    if target.max_tokens and longest + PROMPT_RESERVE > target.max_tokens:
        over = sorted(n for n in grid.lengths if n + PROMPT_RESERVE > target.max_tokens)
        raise LengthBeyondTargetError(
            f"{target.name} ({target.settings}) takes at most {target.max_tokens:,} tokens; lengths "
            f"{', '.join(f'{n:,}' for n in over)} leave no room for the question and answer "
            f"({PROMPT_RESERVE} tokens). Use shorter lengths or other long-context settings."
        )
    haystack.check(longest)


def run(
    target,
    grid: Grid,
    haystack: Haystack,
    out_dir,
    *,
    seed: int = 0,
    threshold: float = DEFAULT_THRESHOLD,
    measurements: Path | None = None,
    progress: bool = True,
    command: str = "",
) -> dict:
    """Run the missing cells of the grid; write results.jsonl, heatmap.png and summary.md into
    `out_dir`; for a `model` target, save its effective context (agent.windows). Returns a
    summary: cells run now and before, effective context, the files written."""
    check(target, grid, haystack)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = {
        "target": target.kind,
        "model": target.name,
        "settings": target.settings,
        "seed": seed,
        "haystack": haystack.digest,
        "haystack_source": haystack.source,
        "repeat": haystack.repeat,
        "max_new_tokens": target.max_new_tokens,
    }
    _claim(out / report.CONFIG, config)
    done = {c["cell"] for c in report.load_results(out)}
    todo = [c for c in grid.cells() if cell_id(*c) not in done]
    ran = 0
    _end_last_line(out / report.RESULTS)
    try:
        with (
            open(out / report.RESULTS, "a", encoding="utf-8") as log,
            tqdm(
                total=len(grid.cells()),
                initial=len(grid.cells()) - len(todo),
                desc="niah",
                unit="cell",
                disable=not progress,
            ) as bar,
        ):
            for task, length, depth in todo:
                bar.set_postfix_str(f"{task} {report.tokens_label(length)} {depth:g}%")
                cell = run_cell(target, haystack, task, length, depth, seed)
                log.write(json.dumps(cell, ensure_ascii=False) + "\n")
                log.flush()
                os.fsync(log.fileno())
                ran += 1
                bar.update()
    finally:  # an interrupted run still reports what it has
        summary = write_report(out, config, threshold, measurements, command, grid)
    return {"ran": ran, "before": len(grid.cells()) - len(todo), **summary}


def run_cell(target, haystack: Haystack, task: str, length: int, depth: float, seed: int) -> dict:
    trial = tasks.trial(task, seed, length, depth)
    start = time.perf_counter()
    placed = haystack.place(length, list(trial.needles), [depth] + tasks.other_depths(trial, seed, length, depth))
    placed_seconds = time.perf_counter() - start
    try:
        reply = target.answer(placed.text, trial.question)
    except OUT_OF_MEMORY as error:  # the target cannot take this length: a score of 0, not a stopped run
        reply = {"output": "", "error": f"{type(error).__name__}: {str(error).splitlines()[0]}"}
        _free_accelerator_memory()
    score = tasks.score(reply["output"], trial)
    return {
        "cell": cell_id(task, length, depth),
        "task": task,
        "length": length,
        "depth": depth,
        "haystack_tokens": placed.tokens,
        "needle_token_depths": list(placed.token_depths),
        "needle_spans": [list(s) for s in placed.needle_spans],
        "needles": list(trial.needles),
        "question": trial.question,
        "expected": list(trial.expected),
        "forbidden": list(trial.forbidden),
        "score": score,
        "correct": score == 1.0,
        "place_seconds": round(placed_seconds, 2),
        **reply,
    }


def _free_accelerator_memory() -> None:
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def write_report(
    out: Path, config: dict, threshold: float, measurements: Path | None, command: str, grid: Grid | None = None
) -> dict:
    cells = report.load_results(out)
    if not cells:
        return {"effective_context": None, "files": []}
    title = report.run_title(config)
    header = (
        f"{report.SUMMARY_HEADING}{title}\n\n"
        + (f"Command: `{command}`\n\n" if command else "")
        + f"Haystack: {config['haystack_source']}. Scores: share of expected values found "
        f"(normalized substring match, no judge); raw outputs in {report.RESULTS}."
    )
    if grid is not None and len(cells) < len(grid.cells()):
        header += f"\n\n**Incomplete: {len(cells)} of {len(grid.cells())} cells** (run the same command to resume)."
    (out / report.SUMMARY).write_text(report.summary_table(cells, header, threshold), encoding="utf-8")
    report.heatmap(cells, out / report.HEATMAP, title)
    effective = report.effective_context(cells, threshold)
    saved = None
    if config["target"] == "model" and effective and (grid is None or len(cells) >= len(grid.cells())):
        from agent.windows import save_measurement

        saved = str(save_measurement(config["model"], config["settings"], effective, measurements))
    return {
        "effective_context": effective,
        "saved_to": saved,
        "files": [str(out / report.RESULTS), str(out / report.HEATMAP), str(out / report.SUMMARY)],
    }


def _end_last_line(path: Path) -> None:
    """A line cut short by an interruption stays alone on its line (it is skipped on loading)."""
    if path.exists() and path.stat().st_size:
        with open(path, "rb+") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                f.write(b"\n")


def _claim(path: Path, config: dict) -> None:
    if path.exists():
        before = json.loads(path.read_text(encoding="utf-8"))
        if before != config:
            changed = ", ".join(
                f"{k}: {before.get(k)!r} -> {config.get(k)!r}" for k in config if before.get(k) != config.get(k)
            )
            raise ResultsMismatchError(
                f"{path.parent} holds results of another run ({changed}); give a new --out folder to keep both"
            )
    else:
        path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
