"""Haystacks: the user's files and folders, or real text that ships with Python and the packages
longdoc installs (never a download), with needles placed at sentence boundaries at exact token
depths of the target's tokenizer.
"""

from __future__ import annotations

import ast
import bisect
import hashlib
import importlib.util
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.chunking import UNIT_BOUNDARY

from .errors import HaystackTooShortError

SOURCES = ("stdlib", "numpy", "scipy", "sklearn", "torch", "transformers")
READABLE = (".pdf", ".txt", ".md", ".markdown", ".rst", ".text")


def shipped_text(min_chars: int) -> str:
    """At least `min_chars` characters of real text, the same on every machine with the same
    packages: the Python Language Reference (`pydoc_data`), then the docstrings of the standard
    library, numpy, scipy, scikit-learn, torch and transformers, in a fixed order, duplicates
    dropped. Reference prose, API prose, math, tables and code, from many authors."""
    from pydoc_data.topics import topics

    parts = [topics[key].strip() for key in sorted(topics)]
    total, seen = sum(map(len, parts)), set()
    for source in SOURCES:
        for docstring in _docstrings(source):
            if total >= min_chars:
                return "\n\n".join(parts)
            if docstring not in seen:
                seen.add(docstring)
                parts.append(docstring)
                total += len(docstring) + 2
    return "\n\n".join(parts)  # all there is; the caller checks it is enough


def _docstrings(source: str):
    root = Path(sysconfig.get_paths()["stdlib"]) if source == "stdlib" else _package_dir(source)
    if root is None:
        return
    for path in sorted(root.rglob("*.py")):
        if {"test", "tests", "site-packages"} & set(path.relative_to(root).parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc and len(doc) >= 300:
                    yield doc


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    return Path(spec.origin).parent if spec and spec.origin else None


def user_text(paths) -> str:
    """The text of the user's files (PDF, text, Markdown) and of the readable files in their folders,
    in sorted order, read by longdoc's document loader (its typed errors unchanged)."""
    from retrieval import load_document

    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in READABLE)
        else:
            files.append(path)  # a missing or unreadable file gets the loader's error
    if not files:
        raise HaystackTooShortError(f"no readable files ({', '.join(READABLE)}) in {', '.join(map(str, paths))}")
    return "\n\n".join(load_document(f).text.strip() for f in files)


@dataclass(frozen=True)
class Placed:
    text: str  # the haystack with its needles
    tokens: int  # of `text`, by the target's tokenizer
    needle_spans: tuple[tuple[int, int], ...]  # character spans of the needles, in the order given
    token_depths: tuple[float, ...]  # percent of the haystack's tokens before each needle


class Haystack:
    """Source text tokenized once by the target's token counter (retrieval.tokens: char offsets
    where tokens start); `place` cuts it to a length and inserts needles."""

    def __init__(self, text: str, counter, source: str, repeat: bool = False):
        if not text.strip():
            raise HaystackTooShortError(f"the haystack ({source}) has no text")
        self.text, self.counter, self.source, self.repeat = text, counter, source, repeat
        self.starts = counter.token_starts(text)  # [T] int64
        self.digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    @classmethod
    def shipped(cls, counter, tokens: int, repeat: bool = False) -> "Haystack":
        text = shipped_text(int(tokens * 5))  # ~4 characters a token in this text; 5 to spare
        return cls(text, counter, "shipped text (Python reference and docstrings)", repeat)

    @classmethod
    def from_paths(cls, paths, counter, repeat: bool = False) -> "Haystack":
        return cls(user_text(paths), counter, ", ".join(map(str, paths)), repeat)

    @property
    def tokens(self) -> int:
        return len(self.starts)

    def check(self, length: int) -> None:
        if length > self.tokens and not self.repeat:
            raise HaystackTooShortError(
                f"the haystack ({self.source}) has {self.tokens:,} tokens, fewer than the {length:,} asked: "
                "give more text, shorter lengths, or repeat it (--repeat) knowing a model may notice the repetition"
            )

    def body(self, tokens: int) -> tuple[str, np.ndarray]:
        """The first `tokens` tokens (the text repeated if allowed and needed) and their starts."""
        self.check(tokens)
        text, starts = self.text, self.starts
        while len(starts) < tokens + 1 and self.repeat:  # +1: the end of the last token
            text = f"{text}\n\n{self.text}"
            starts = self.counter.token_starts(text)
        end = starts[tokens] if tokens < len(starts) else len(text)
        return text[:end].rstrip() + "\n", starts[:tokens]  # ends at a line: a needle may follow

    def place(self, length: int, needles: list[str], depths: list[float]) -> Placed:
        """About `length` tokens in all: the body cut so that body + needles make `length`, each
        needle inserted at the sentence boundary nearest `depth` percent of the body's tokens."""
        self.check(length)
        needle_tokens = [len(self.counter.token_starts(f" {n}")) for n in needles]
        body, starts = self.body(max(1, length - sum(needle_tokens)))
        boundaries = _sentence_starts(body)
        cuts = []
        for depth in depths:
            target = int(starts[min(len(starts) - 1, round(depth / 100 * len(starts)))]) if depth < 100 else len(body)
            i = bisect.bisect_left(boundaries, target)
            cuts.append(min(boundaries[max(0, i - 1) : i + 1], key=lambda b: abs(b - target)))
        # insert from the back so earlier cut offsets stay valid; a needle is its own sentence
        order = sorted(range(len(needles)), key=lambda k: (cuts[k], k), reverse=True)
        text = body
        for k in order:
            text = f"{text[: cuts[k]]}{needles[k]} {text[cuts[k] :]}"
        spans, token_depths = [None] * len(needles), [0.0] * len(needles)
        final_starts = self.counter.token_starts(text)
        for k in range(len(needles)):
            start = cuts[k] + sum(len(needles[j]) + 1 for j in range(len(needles)) if (cuts[j], j) < (cuts[k], k))
            spans[k] = (start, start + len(needles[k]))
            token_depths[k] = round(100 * bisect.bisect_left(final_starts, start) / max(1, len(final_starts)), 2)
        return Placed(text, len(final_starts), tuple(spans), tuple(token_depths))


def _sentence_starts(text: str) -> list[int]:
    """Offsets where a sentence (or line) starts, 0 and len(text) included."""
    return sorted({0, len(text), *(m.end() for m in UNIT_BOUNDARY.finditer(text) if m.end() < len(text))})
