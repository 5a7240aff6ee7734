"""Cross-chunk recall of the embedded model: DCA settings (chunk, local window, temperature) on two haystacks.

Each setting runs `longdoc niah`'s grid (single needle, depths 10/40/70%: with the preset's chunks
every needle sits in an earlier chunk than the question) into its own folder under
docs/benchmarks/niah/probe/, so an interrupted probe resumes where it stopped. Settings are compared
on haystack A (Python's reference and docstrings) first; the best is checked on haystack B (the
licence texts Debian ships, another genre) that it was not chosen on.

    python -m benchmarks.dca_probe [--lengths 16k] [--table]
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
    out = Path(tempfile.gettempdir()) / "longdoc-licences"  # one name: a run resumes only on the same haystack
    out.mkdir(exist_ok=True)
    for path in sorted(LICENCES.iterdir()):
        if path.is_file() and not path.is_symlink():
            shutil.copyfile(path, out / f"{path.name}.txt")
    return out


def folder(label: str, haystack: str) -> Path:
    slug = label.split(" (")[0].replace("/", "-").replace(" ", "-").replace("=", "")
    return DOCS / "niah" / "probe" / f"{haystack}-{slug}"


def probe(setting, haystack, lengths, out: Path) -> None:
    _, long_context, chunk, local, temperature = setting
    self_test(
        "model",
        long_context=long_context,
        chunk_size=chunk,
        local_size=local,
        temperature=temperature,
        lengths=lengths,
        depths=DEPTHS,
        haystack=haystack,
        out=out,
        max_new_tokens=32,
        progress=False,
        measurements=Path(tempfile.gettempdir()) / "longdoc-probe-windows.json",
    )  # not the user's windows


def tally(out: Path) -> dict | None:
    cells = report.load_results(out) if (out / report.RESULTS).is_file() else []
    if not cells:
        return None
    return {
        "found": sum(c["correct"] for c in cells),
        "cells": len(cells),
        "seconds": sum(c.get("seconds", 0) for c in cells) / len(cells),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lengths", default="16k")
    parser.add_argument("--table", action="store_true", help="only write the table from the cells run so far")
    args = parser.parse_args()
    lengths = parse_lengths(args.lengths)
    if not args.table:
        for setting in SETTINGS:  # haystack A: every setting
            probe(setting, None, lengths, folder(setting[0], "A"))
        found = {s[0]: tally(folder(s[0], "A"))["found"] for s in SETTINGS}
        best = max(SETTINGS, key=lambda s: (found[s[0]], s[0] == PRESET))  # a tie keeps the preset
        # haystack B: the preset, A's best and plain attention first (the checks that count), then the others
        first = list(dict.fromkeys([SETTINGS[0], best, SETTINGS[-1]]))
        order = first + [s for s in SETTINGS if s not in first]
        licences = licence_folder() if LICENCES.is_dir() else None
        for setting in order if licences else []:
            probe(setting, [str(licences)], lengths, folder(setting[0], "B"))
    results = {(label, name): tally(folder(label, name)) for label, *_ in SETTINGS for name in ("A", "B")}
    rows = []
    for label, *_ in SETTINGS:
        row = [label]
        for name in ("A", "B"):
            r = results[label, name]
            row.append(f"{r['found']}/{r['cells']}" if r else "not run")
        seconds = [results[label, n]["seconds"] for n in ("A", "B") if results[label, n]]
        row.append(f"{sum(seconds) / len(seconds):.0f} s" if seconds else "")
        rows.append(row)
    write_table(
        "dca-probe",
        "Cross-chunk recall of SmolLM2-135M-Instruct (8K window): DCA settings, 2 CPU cores",
        ["setting (chunk/local, temperature c)", "haystack A: Python docs", "haystack B: licences", "seconds a cell"],
        rows,
        notes=f"Lengths {', '.join(report.tokens_label(n) for n in lengths)}; one needle ('The special magic "
        f"number for X is N') at depths {', '.join(f'{d:g}%' for d in DEPTHS)}; fp32. c is the "
        "coefficient of the temperature mscale = c·ln(L/8192) + 1 (logits times mscale²). Raw cells: "
        "docs/benchmarks/niah/probe/.",
    )


if __name__ == "__main__":
    main()
