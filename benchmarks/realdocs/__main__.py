"""The agent on real documents: 86 questions written by reading 8 public documents of different
kinds (benchmarks/realdocs/questions.py), answered by the embedded model.

    python -m benchmarks.realdocs                          # auto and the peer, every question
    python -m benchmarks.realdocs --modes auto,multihop --split tune --docs dpr-paper.pdf

Modes: `auto` (the agent as users run it), a strategy forced by name (`rag`, `direct`,
`parallel`, `multihop`, `summary`), and `peer`: the best simple peer, BM25 (rank_bm25) top-4
chunks read by the same model with the same prompt, its chunks' pages as its citations.
Per mode: answers right; right with a citation on a right page; citation precision (citations
on a page holding the answer); unanswerable questions refused; summaries right without a
repeated sentence; seconds per question warm (model loaded, index built). Cold: a fresh
process asking the 400-page PDF, to its first answer. Writes docs/benchmarks/realdocs.md and
realdocs.jsonl (every reply).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..common import DOCS as OUT
from ..common import write_table
from ..suites.common import add_reader_options, reader_agent
from .questions import DOCS, QUESTIONS
from .scoring import precise, repeats, right

HERE = Path(__file__).resolve().parent
DOC_DIR = HERE / "docs"
PEER_K = 4
STRATEGY_LIMITS = {"direct": 8_192, "parallel": 40_000}  # forced only where it finishes in minutes on 2 cores (tokens)


@dataclass
class Result:
    id: str
    mode: str
    split: str
    type: str
    text: str
    strategy: str
    supported: bool
    citations: list  # (page, quote)
    right: bool
    cited: bool  # right, with a citation on a right page (unanswerable: refused with none)
    precise: int  # citations on a right page
    seconds: float
    error: str = ""


def document_bytes(name: str) -> bytes:
    path = DOC_DIR / name
    return path.read_bytes() if path.exists() else gzip.decompress((DOC_DIR / f"{name}.gz").read_bytes())


def load_all(names, cache_dir):
    from retrieval import DocumentIndex, load_document

    indexes = {}
    for name in names:
        start = time.perf_counter()
        document = load_document(document_bytes(name), filename=name, cache_dir=cache_dir)
        index = DocumentIndex.build(document, cache_dir=cache_dir)
        indexes[name] = index
        print(
            f"[realdocs] {name}: {len(document.pages)} pages, {len(index)} chunks, {time.perf_counter() - start:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    return indexes


def peer_answer(backend, index, question: str):
    """BM25 top-k chunks (rank_bm25 over the same chunks), the same prompt and model."""
    from rank_bm25 import BM25Okapi

    from agent.backends import complete
    from agent.job import as_passage as hit_passage
    from agent.prompts import question_messages

    if not hasattr(index, "peer_bm25"):
        index.peer_bm25 = BM25Okapi([c.text.lower().split() for c in index.chunks])
    scores = index.peer_bm25.get_scores(question.lower().split())
    best = sorted(range(len(index.chunks)), key=lambda i: -scores[i])[:PEER_K]
    passages = [hit_passage(index.chunks[i]) for i in sorted(best)]
    text = complete(backend, question_messages(passages, question), 96)
    return text, [(p.page, p.text[:80]) for p in passages]


def ask(agent, index, question, mode: str) -> Result:
    start = time.perf_counter()
    strategy, supported, citations, error = mode, False, [], ""
    try:
        if mode == "peer":
            text, citations = peer_answer(agent.backend, index, question.question)
            supported = True
        else:
            answer = agent.ask(index, question.question, strategy=mode)
            text, strategy, supported = answer.text, answer.strategy, answer.supported
            citations = [(c.page, c.quote) for c in answer.citations]
    except Exception as exc:  # a failure is a wrong answer, recorded
        text, error = "", f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    document = index.document
    ok = right(question, text) and not (question.type == "summary" and repeats(text))

    class Cited:  # what scoring.precise reads
        def __init__(self, page, quote):
            self.page, self.quote = page, quote
            at = document.text.find(quote)
            self.char_start, self.char_end = (at, at + len(quote)) if at >= 0 else (-(10**9), -(10**9))

    cites = [Cited(p, q) for p, q in citations]
    good = sum(precise(question, document, c) for c in cites)
    if question.answerable:
        cited = ok and good > 0
    else:
        cited = ok and not citations
    return Result(
        question.id,
        mode,
        question.split,
        question.type,
        text,
        strategy,
        supported,
        citations,
        ok,
        cited,
        good,
        seconds,
        error,
    )


def cold_start(models: Path | None, name: str = "irs-irm-2-3-59.pdf") -> float:
    """Seconds for a fresh process to answer a first question about a PDF it never saw. `models`:
    a folder of already de-quantized models to reuse (None: the first run ever, converting it too)."""
    question = next(q for q in QUESTIONS if q.doc == name)
    with tempfile.TemporaryDirectory() as folder:
        path, cache = Path(folder) / name, Path(folder) / "cache"
        path.write_bytes(document_bytes(name))
        if models is not None:
            cache.mkdir()
            (cache / "models").symlink_to(models, target_is_directory=True)
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "longdoc.cli", "ask", str(path), question.question, "--cache-dir", str(cache)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        answer = process.stdout.readline()  # the answer's first line: the clock stops here
        seconds = time.perf_counter() - start
        process.communicate()  # the process goes on to finish (and cache) the dense index before it exits
        exited = time.perf_counter() - start
    print(
        f"[realdocs] cold ({'model cached' if models else 'first run'}): answer after {seconds:.1f} s, exit after "
        f"{exited:.1f} s ({process.returncode}): {answer.strip()[:200]}",
        file=sys.stderr,
    )
    return seconds


def summarise(results: list[Result], mode: str, split: str | None):
    rows = [r for r in results if r.mode == mode and (split is None or r.split == split)]
    answerable = [r for r in rows if r.type != "unanswerable"]
    refusals = [r for r in rows if r.type == "unanswerable"]
    citations = sum(len(r.citations) for r in answerable)
    seconds = [r.seconds for r in rows]
    pct = lambda n, d: f"{100 * n / d:.0f}% ({n}/{d})" if d else "-"
    return [
        mode,
        split or "all",
        pct(sum(r.right for r in answerable), len(answerable)),
        pct(sum(r.cited for r in answerable), len(answerable)),
        pct(sum(r.precise for r in answerable), citations),
        f"{sum(r.cited for r in refusals)}/{len(refusals)}",
        f"{statistics.median(seconds):.1f}" if seconds else "-",
        f"{max(seconds):.1f}" if seconds else "-",
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.realdocs")
    parser.add_argument("--modes", default="auto,peer")
    parser.add_argument("--split", choices=["tune", "check"], default=None)
    parser.add_argument("--docs", default="", help="comma-separated document names (default: all)")
    parser.add_argument("--ids", default="", help="comma-separated question ids")
    parser.add_argument("--cold", action="store_true", help="also time a cold start on the 400-page PDF")
    parser.add_argument("--cache-dir", default=str(Path(tempfile.gettempdir()) / "longdoc-realdocs"))
    parser.add_argument("--name", default="realdocs", help="output name under docs/benchmarks")
    parser.add_argument("--skip", default="", help="comma-separated question ids not to ask (reported as skipped)")
    parser.add_argument("--resume", action="store_true", help="keep the replies already in the .jsonl, ask the rest")
    add_reader_options(parser, strategy=False)
    args = parser.parse_args(argv)

    questions = [
        q
        for q in QUESTIONS
        if (not args.split or q.split == args.split)
        and (not args.docs or q.doc in args.docs.split(","))
        and (not args.ids or q.id in args.ids.split(","))
    ]
    indexes = load_all(sorted({q.doc for q in questions}), args.cache_dir)
    agent = reader_agent(args, args.cache_dir)
    results, path = [], OUT / f"{args.name}.jsonl"
    if args.resume and path.exists():
        results = [Result(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]
    done = {(r.mode, r.id) for r in results}
    with open(path, "a" if args.resume else "w") as log:
        for mode in args.modes.split(","):
            for question in questions:
                tokens = len(indexes[question.doc].document.text) // 4
                if (
                    tokens > STRATEGY_LIMITS.get(mode, 10**12)
                    or (mode, question.id) in done
                    or question.id in args.skip.split(",")
                ):
                    continue
                result = ask(agent, indexes[question.doc], question, mode)
                results.append(result)
                log.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
                log.flush()
                print(
                    f"[{mode}] {question.id} {'RIGHT' if result.right else 'wrong'}{' +cited' if result.cited else ''} "
                    f"{result.seconds:.1f}s {result.strategy}: {result.text[:120]!r} {result.error}",
                    file=sys.stderr,
                    flush=True,
                )
    rows = []
    for mode in args.modes.split(","):
        for split in ["tune", "check"] if not args.split else [args.split]:
            rows.append(summarise(results, mode, split))
        if not args.split:
            rows.append(summarise(results, mode, None))
    by_type = sorted({r.type for r in results})
    type_rows = [
        [
            mode,
            kind,
            f"{sum(r.cited for r in results if r.mode == mode and r.type == kind)}/"
            f"{sum(1 for r in results if r.mode == mode and r.type == kind)}",
        ]
        for mode in args.modes.split(",")
        for kind in by_type
    ]
    notes = [
        "Documents: " + "; ".join(f"{name}: {kind}" for name, kind in DOCS.items()) + ".",
        "Right: the reply holds an accepted answer (normalised); cited: right with a citation on a page that holds "
        "the answer (unanswerable: refused, nothing cited). Precision: citations on a right page / all citations of "
        "answerable questions. Refused: unanswerable questions answered 'not found' with no citation.",
        "Per type (cited right): " + "; ".join(f"{m} {k} {v}" for m, k, v in type_rows),
    ]
    if args.skip:
        notes.append(f"Not asked: {args.skip}.")
    if args.cold:
        notes.append(
            f"Cold start, a fresh process asking about the 400-page PDF it never saw, to the first answer: "
            f"{cold_start(Path(args.cache_dir) / 'models'):.1f} s with the model de-quantized by an earlier run; "
            f"{cold_start(None):.1f} s on the first run ever (the GGUF de-quantized and cached too)."
        )
    reader = f"{args.model or 'SmolLM2-135M'}, {args.reader} reader" + (
        f", rag budget {args.rag_budget}" if args.rag_budget else ""
    )
    write_table(
        args.name,
        f"The agent on real documents (embedded {reader}, 2 CPU cores)",
        [
            "mode",
            "split",
            "right",
            "right + cited page",
            "citation precision",
            "unanswerable refused",
            "median s",
            "max s",
        ],
        rows,
        notes="\n\n".join(notes),
    )


if __name__ == "__main__":
    main()
