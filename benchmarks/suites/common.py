"""Shared by the peer suites: files read out of a fetched snapshot, one question asked through
`ask_stream` (what was read, what was cited, how long it took), and percentages for the tables."""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

NUMBER = re.compile(r"-?\d[\d,]*\.?\d*")
READ_K = 8  # the BM25 peer's passages, as many chunks as rag reads


def split(order: int) -> str:
    """The split of a document's question `order` (0-based): every third is the check split, never tuned on."""
    return "check" if order % 3 == 2 else "tune"


def git_show(snapshot: Path, path: str) -> bytes | None:
    """A file of the snapshot's HEAD; None when absent or only a Git LFS pointer."""
    done = subprocess.run(["git", f"--git-dir={snapshot}", "show", f"HEAD:{path}"], capture_output=True)
    return done.stdout if done.returncode == 0 and not done.stdout.startswith(b"version https://git-lfs") else None


def git_listing(snapshot: Path) -> list[str]:
    """The paths of the snapshot's HEAD, sorted."""
    listed = subprocess.run(
        ["git", f"--git-dir={snapshot}", "ls-tree", "-r", "--name-only", "HEAD"], capture_output=True, text=True
    )
    return sorted(name for name in listed.stdout.split("\n") if name)


def extracted(snapshot: Path, path: str, into: Path, starts: bytes = b"%PDF") -> Path | None:
    """The snapshot's file at `path` (a PDF unless `starts` says otherwise), written once under
    `into` (ignored by git: never committed)."""
    out = into / Path(path).name
    if not out.exists():
        data = git_show(snapshot, path)
        if not data or not data.startswith(starts):
            return None
        into.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    return out


def number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").rstrip("."))
    except ValueError:
        return None


def numbers(text: str) -> list[float]:
    return [n for n in (number(m.group(0)) for m in NUMBER.finditer(text)) if n is not None]


def near(a: float, b: float) -> bool:
    """Within 1% (the suites' tolerance for a number after units and digit groups)."""
    return abs(a - b) <= 0.01 * max(abs(b), 1e-9)


@dataclass
class Reply:
    text: str = ""
    supported: bool = False
    read_pages: list[int] = field(default_factory=list)  # pages of the passages the agent read
    cited_pages: list[int] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""


def add_reader_options(parser, strategy: bool = True) -> None:
    parser.add_argument(
        "--model", default=None, help="the reader's model: 'qwen', a folder or .gguf (default: SmolLM2)"
    )
    parser.add_argument("--reader", default="auto", choices=["auto", "extractive", "generative"])
    if strategy:  # realdocs names its strategies in --modes
        parser.add_argument("--strategy", default="auto")
    parser.add_argument("--rag-budget", type=int, default=None, help="passage tokens a generative answer reads")


def reader_agent(args, cache_dir):
    """The Agent the options ask for (the model loaded once, its conversion kept in `cache_dir`)."""
    from agent import Agent
    from agent.backends import LocalBackend

    backend = LocalBackend(model_name=args.model, cache_dir=cache_dir) if args.model else None
    return Agent(backend, cache_dir=cache_dir, reader=args.reader, rag_budget=args.rag_budget)


def ask(agent, doc, question: str, strategy: str = "auto") -> Reply:
    """One question through `ask_stream`; a failure is recorded as an empty (wrong) reply."""
    from agent import Done, Retrieved

    reply, start = Reply(), time.perf_counter()
    try:
        for event in agent.ask_stream(doc, question, strategy=strategy):
            if isinstance(event, Retrieved):
                reply.read_pages += [p.page for p in event.passages]
            elif isinstance(event, Done):
                reply.text, reply.supported = event.answer.text, event.answer.supported
                reply.cited_pages = [c.page for c in event.answer.citations]
    except Exception as exc:
        reply.error = f"{type(exc).__name__}: {exc}"
    reply.seconds = time.perf_counter() - start
    reply.read_pages = sorted(set(reply.read_pages))
    return reply


def peer_pages(peer, question: str) -> list[int]:
    """Pages of BM25's top chunks: the peer's retrieval on the same chunks."""
    return [hit.page for hit in peer.search(question, k=READ_K)]


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:.0f}% ({n}/{d})" if d else "-"
