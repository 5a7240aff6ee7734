"""The Needle tests page: a run written by `longdoc niah` (its folder or results.jsonl, found in
the usual places, typed, or linked as ?run=PATH), shown as the CLI writes it: the heatmap, accuracy
per length and task, the effective context at a chosen threshold, and every cell's raw output.
A typed or linked path is read only inside those places or the folders the operator allowed."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from niah import NiahError, open_run
from niah.report import RESULTS, Run, effective_context, heatmap_figure, length_rows, tokens_label
from niah.run import DEFAULT_THRESHOLD

from . import state
from .access import PathNotAllowedError

OTHER = "another folder or file..."


def run_places() -> list[Path]:
    """Where runs may be read: ./runs/niah (the CLI's default --out), the published ones, and
    the operator's allowed folders."""
    places = [Path("runs") / "niah", state.ROOT / "runs" / "niah", state.ROOT / "docs" / "benchmarks" / "niah"]
    return [Path(os.path.realpath(p)) for p in places if p.is_dir()] + list(state.settings().allowed_folders)


def found_runs() -> list[str]:
    """Results folders under the places runs may be read from."""
    folders = {p.parent.resolve() for place in run_places() for p in place.glob(f"*/{RESULTS}")}
    return sorted(str(f) for f in folders)


def allowed_run(path: str) -> Path:
    resolved = Path(os.path.realpath(Path(path).expanduser()))
    if not any(resolved == place or resolved.is_relative_to(place) for place in run_places()):
        raise PathNotAllowedError(
            f"{path!r} is outside the folders this app reads runs from: " + ", ".join(str(p) for p in run_places())
        )
    return resolved


def render() -> None:
    st.title("Needle-in-a-haystack results")
    linked = st.query_params.get("run", "")
    runs = found_runs()
    options = runs + [OTHER]
    choice = st.selectbox(
        "Run",
        options,
        index=options.index(OTHER) if linked or not runs else 0,
        help="folders holding a results.jsonl, under ./runs/niah and docs/benchmarks/niah",
    )
    path = st.text_input("Results folder or results.jsonl", value=linked) if choice == OTHER else choice
    if not path.strip():
        st.info("Run `longdoc niah` to make results, then choose its --out folder here.")
        return
    try:
        run = open_run(allowed_run(path.strip()))
    except (NiahError, OSError) as error:
        st.error(f"{type(error).__name__}: {error}")
        return
    show(run)


def show(run: Run) -> None:
    st.subheader(run.title)
    if run.config:
        st.caption(
            f"Haystack: {run.config.get('haystack_source', '?')}; answers of at most "
            f"{run.config.get('max_new_tokens', '?')} tokens. From {run.results}"
        )
    else:
        st.caption(f"From {run.results} (no run.json beside it: settings as its title says)")
    cells = run.cells
    threshold = st.slider("Accuracy threshold for the effective context", 0.5, 1.0, DEFAULT_THRESHOLD, 0.05)
    effective = effective_context(cells, threshold)
    total = sum(c["score"] for c in cells) / len(cells)
    left, middle, right = st.columns(3)
    shortest = tokens_label(min(c["length"] for c in cells))
    left.metric("Effective context", f"{effective:,} tokens" if effective else f"below {shortest}")
    middle.metric("Accuracy, all cells", f"{100 * total:.0f}%")
    right.metric("Cells", f"{len(cells):,}")
    st.pyplot(heatmap_figure(cells, run.title))

    st.dataframe(length_rows(cells), hide_index=True)

    misses_only = st.checkbox("Only cells that missed")
    st.dataframe(
        [
            {
                "task": c["task"],
                "length": c["length"],
                "depth %": c["depth"],
                "score": c["score"],
                "expected": ", ".join(c.get("expected", [])),
                "output": c.get("output", ""),
                "seconds": c.get("seconds"),
                "strategy": c.get("strategy", ""),
                "error": c.get("error", ""),
            }
            for c in cells
            if not misses_only or c["score"] < 1.0
        ],
        hide_index=True,
    )
