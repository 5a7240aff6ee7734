"""LongBench v2's single-document contexts as Markdown (`itsnamgyu/longbench2_md`, MIT): long real
documents (financial and government reports, papers, novels, legal cases, manuals; about 110K
tokens on average) with one question each. The collection benchmark's 10M-token scale uses them
(`python -m benchmarks.suites.collections --scale longbench`).

Each sample is `single-document_qa/sample_NNN_<difficulty>_<length>.md` (its question, choices and
answer) beside `..._context.txt` (the document). A question is asked without its choices, as a user
would ask it; asked of a collection it is scored by whether its own document is cited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from benchmarks.suites.common import extracted, git_listing, git_show

SNAPSHOT = Path("/work/.mirror/itsnamgyu+longbench2_md/repo")
FOLDER = "single-document_qa/"
DATA = Path(__file__).resolve().parent / "data" / "longbench"
SECTION = re.compile(r"^# (\w+)\s*$", re.M)


@dataclass
class Sample:
    path: Path  # the context, extracted
    question: str
    subdomain: str


@cache  # read once: the collection's paths and its questions both come from it
def samples(snapshot: Path = SNAPSHOT, wanted: int = 80) -> list[Sample]:
    """The first `wanted` single-document samples (by name) whose context the snapshot holds."""
    out = []
    for name in git_listing(snapshot):
        if not (name.startswith(FOLDER) and name.endswith("_context.txt")):
            continue
        card = git_show(snapshot, name.removesuffix("_context.txt") + ".md")
        path = extracted(snapshot, name, DATA, starts=b"")
        if card is None or path is None:  # a context of 4 MiB or more is left out of snapshots
            continue
        sections = _sections(card.decode("utf-8"))
        subdomain = re.search(r"Subdomain:\s*(.+)", sections.get("Metadata", ""))
        out.append(Sample(path, sections.get("Question", "").strip(), subdomain.group(1).strip() if subdomain else ""))
        if len(out) == wanted:
            break
    return out


def _sections(card: str) -> dict[str, str]:
    """A sample card's `# Heading` sections by heading."""
    parts = SECTION.split(card)
    return {parts[k]: parts[k + 1] for k in range(1, len(parts) - 1, 2)}
