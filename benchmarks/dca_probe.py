"""Cross-chunk recall of the embedded model: DCA settings (chunk, local window, temperature) on two haystacks.

Each setting runs `longdoc niah`'s grid (single needle, depths 10/40/70%: with the preset's chunks
every needle sits in an earlier chunk than the question) into its own folder under
docs/benchmarks/niah/probe/, so an interrupted probe resumes where it stopped. Settings are compared
on haystack A (Python's reference and docstrings) first; the best is checked on haystack B (the
licence texts Debian ships, another genre) that it was not chosen on.

    python -m benchmarks.dca_probe [--lengths 16k] [--haystacks A,B]
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from benchmarks.common import DOCS, write_table
from niah import report
from niah.selftest import parse_lengths, self_test

LICENCES = Path("/usr/share/common-licenses")
DEPTHS = (10.0, 40.0, 70.0)
PRESET = "8192/1024 c=0.1"
# (label, long_context, chunk_size, local_size, temperature coefficient); the preset first
SETTINGS = [
    (PRESET, "auto", 8192, 1024, 0.1),
    ("8192/1024 c=0 (no temperature)", "auto", 8192, 1024, 0.0),
    ("8192/1024 c=0.2", "auto", 8192, 1024, 0.2),
    ("8192/4096 c=0.1 (local 1/2)", "auto", 8192, 4096, 0.1),
    ("4096/512 c=0.1", "auto", 4096, 512, 0.1),
    ("2048/512 c=0.1 (local 1/4)", "auto", 2048, 512, 0.1),
    ("plain attention", "plain", None, None, None),
]


def licence_folder() -> Path:
    """The licence texts as .txt files (the loader reads files by their extension)."""
    folder = Path(tempfile.mkdtemp(prefix="longdoc-licences-"))
    for path in sorted(LICENCES.iterdir()):
        if path.is_file() and not path.is_symlink():
            shutil.copyfile(path, folder / f"{path.name}.txt")
    return folder


def probe(label, long_context, chunk, local, temperature, haystack, lengths, out: Path) -> dict:
    self_test("model", long_context=long_context, chunk_size=chunk, local_size=local, temperature=temperature,
              lengths=lengths, depths=DEPTHS, haystack=haystack, out=out, max_new_tokens=32, progress=False,
              measurements=out / "measurements.json")  # a probe's windows are not saved as the user's
    cells = report.load_results(out)
    return {"found": sum(c["correct"] for c in cells), "cells": len(cells),
            "seconds": sum(c.get("seconds", 0) for c in cells) / max(len(cells), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lengths", default="16k")
    parser.add_argument("--haystacks", default="A,B")
    args = parser.parse_args()
    lengths = parse_lengths(args.lengths)
    haystacks = {"A": None, "B": licence_folder() if LICENCES.is_dir() else None}
    results: dict[tuple[str, str], dict] = {}
    for name in args.haystacks.split(","):
        if name == "B" and haystacks["B"] is None:
            continue
        for label, *setting in SETTINGS:
            slug = label.split(" (")[0].replace("/", "-").replace(" ", "-").replace("=", "")
            out = DOCS / "niah" / "probe" / f"{name}-{slug}"
            results[label, name] = probe(label, *setting, haystacks[name], lengths, out)
            print(label, name, results[label, name], flush=True)
    rows = []
    for label, *_ in SETTINGS:
        row = [label]
        for name in ("A", "B"):
            r = results.get((label, name))
            row.append(f"{r['found']}/{r['cells']}" if r else "not run")
        seconds = [results[label, n]["seconds"] for n in ("A", "B") if (label, n) in results]
        row.append(f"{sum(seconds) / len(seconds):.0f} s" if seconds else "")
        rows.append(row)
    write_table("dca-probe", "Cross-chunk recall of SmolLM2-135M-Instruct (8K window): DCA settings, 2 CPU cores",
                ["setting (chunk/local, temperature c)", "haystack A: Python docs", "haystack B: licences",
                 "seconds a cell"], rows,
                notes=f"Lengths {', '.join(report.tokens_label(n) for n in lengths)}; one needle ('The special magic "
                      f"number for X is N') at depths {', '.join(f'{d:g}%' for d in DEPTHS)}; fp32. c is the "
                      "coefficient of the temperature mscale = c·ln(L/8192) + 1 (logits times mscale²). Raw cells: "
                      "docs/benchmarks/niah/probe/.")


if __name__ == "__main__":
    main()
