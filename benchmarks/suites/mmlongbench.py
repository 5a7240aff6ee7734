"""MMLongBench-Doc (mayubo2333/MMLongBench-Doc; data CC BY-NC 4.0) as a dev benchmark: per
question, whether the evidence page is among the passages the agent read, whether it cited an
evidence page, whether the value is right, and for "Not answerable" whether it refused with
nothing cited; BM25 alone (the same chunks) alongside as the peer's retrieval.

    python -m benchmarks.suites.mmlongbench --types "Financial report" --split check
        [--snapshot DIR]  # the bare git dir `fetch github:mayubo2333/MMLongBench-Doc` gives

PDFs are extracted from the snapshot into benchmarks/suites/data/ (ignored: never committed);
questions whose PDF the snapshot lacks are skipped and counted. Check split: every third
question of each document (never tuned on). Values are scored without an LLM: numbers within
1% (after %, $ and digit groups), strings normalised and contained, lists as all items contained.
"""

from __future__ import annotations

import argparse
import ast
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.common import write_table
from benchmarks.realdocs.scoring import REFUSAL, contains
from benchmarks.suites.common import ask, extracted, git_show, near, number, numbers, pct, peer_pages, split

SNAPSHOT = Path("/work/.mirror/mayubo2333+MMLongBench-Doc/repo")
DATA = Path(__file__).resolve().parent / "data" / "mmlongbench"


@dataclass
class Question:
    id: str
    doc: str
    type: str  # the document's type
    question: str
    answer: str
    format: str  # Str, Int, Float, List, None (not answerable)
    pages: list[int]
    split: str


@dataclass
class Result:
    id: str
    split: str
    type: str
    format: str
    text: str
    read_pages: list[int]  # pages of the passages the agent read
    cited_pages: list[int]
    peer_pages: list[int]  # pages of BM25's top chunks
    recall: bool
    cited: bool
    peer_recall: bool
    right: bool
    seconds: float
    error: str = ""


def questions(snapshot: Path) -> list[Question]:
    samples = json.loads(git_show(snapshot, "data/samples.json"))
    seen: dict[str, int] = defaultdict(int)
    out = []
    for n, sample in enumerate(samples):
        order = seen[sample["doc_id"]]
        seen[sample["doc_id"]] += 1
        pages = [int(p) for p in ast.literal_eval(sample["evidence_pages"] or "[]")]
        out.append(
            Question(
                f"{n:04d}",
                sample["doc_id"],
                sample["doc_type"],
                sample["question"],
                str(sample["answer"]),
                sample["answer_format"],
                pages,
                split(order),
            )
        )
    return out


def value_right(question: Question, text: str, supported: bool, cited: list[int]) -> bool:
    if question.format == "None":
        return (bool(REFUSAL.search(text)) or not supported) and not cited
    gold = question.answer.strip()
    if question.format in ("Int", "Float"):
        want = number(gold.rstrip("%").lstrip("$"))
        return want is not None and any(near(found, want) for found in numbers(text))
    if question.format == "List":
        try:
            parsed = ast.literal_eval(gold)
        except (ValueError, SyntaxError):
            parsed = gold
        items = [str(item) for item in parsed] if isinstance(parsed, (list, tuple, set)) else [gold]
        return bool(items) and all(contains(text, item) for item in items)
    return contains(text, gold)


def scored(agent, index, peer, question: Question) -> Result:
    reply, evidence = ask(agent, index, question.question), set(question.pages)
    peer_read = peer_pages(peer, question.question)
    return Result(
        question.id,
        question.split,
        question.type,
        question.format,
        reply.text,
        reply.read_pages,
        reply.cited_pages,
        peer_read,
        bool(evidence & set(reply.read_pages)),
        bool(evidence & set(reply.cited_pages)),
        bool(evidence & set(peer_read)),
        value_right(question, reply.text, reply.supported, reply.cited_pages),
        reply.seconds,
        reply.error,
    )


def row(label: str, results: list[Result]) -> list[str]:
    answerable = [r for r in results if r.format != "None"]
    refusals = [r for r in results if r.format == "None"]
    seconds = [r.seconds for r in results]
    return [
        label,
        str(len(results)),
        pct(sum(r.recall for r in answerable), len(answerable)),
        pct(sum(r.peer_recall for r in answerable), len(answerable)),
        pct(sum(r.cited for r in answerable), len(answerable)),
        pct(sum(r.right for r in answerable), len(answerable)),
        pct(sum(r.right for r in refusals), len(refusals)),
        f"{statistics.median(seconds):.1f}" if seconds else "-",
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.suites.mmlongbench")
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--types", default="", help="document types, comma-separated (default: all)")
    parser.add_argument("--split", choices=["tune", "check"], default=None)
    parser.add_argument("--max-docs", type=int, default=0, help="at most this many documents (0: all)")
    parser.add_argument("--cache-dir", default=str(Path(tempfile.gettempdir()) / "longdoc-suites"))
    parser.add_argument("--name", default="suites-mmlongbench")
    args = parser.parse_args(argv)
    from agent import Agent
    from retrieval import DocumentIndex, load_document

    wanted = [
        q
        for q in questions(args.snapshot)
        if (not args.types or q.type in args.types.split(",")) and (not args.split or q.split == args.split)
    ]
    docs = sorted({q.doc for q in wanted})
    paths = {name: extracted(args.snapshot, f"data/documents/{name}", DATA) for name in docs}
    present = [name for name in docs if paths[name] is not None][: args.max_docs or None]
    missing = len([q for q in wanted if paths[q.doc] is None])
    agent, results = Agent(cache_dir=args.cache_dir), []
    DATA.mkdir(parents=True, exist_ok=True)
    with open(DATA / f"{args.name}.jsonl", "w") as log:  # replies quote the suite's documents: kept out of git
        for name in present:
            start = time.perf_counter()
            try:
                loaded = load_document(paths[name], cache_dir=args.cache_dir)
            except Exception as exc:  # a document that does not load: its questions are skipped, said
                print(f"[suites] {name}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                continue
            index = DocumentIndex.build(loaded, cache_dir=args.cache_dir)  # dense included: warm answers
            peer = DocumentIndex.build(loaded, embedder=None, cache_dir=args.cache_dir)
            print(
                f"[suites] {name}: {len(loaded.pages)} pages in {time.perf_counter() - start:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            for question in (q for q in wanted if q.doc == name):
                result = scored(agent, index, peer, question)
                results.append(result)
                log.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
                log.flush()
                print(
                    f"[suites] {question.id} {question.format} read={result.recall} cited={result.cited} "
                    f"right={result.right} {result.seconds:.1f}s {result.text[:100]!r}",
                    file=sys.stderr,
                    flush=True,
                )
    header = [
        "",
        "questions",
        "evidence page read (auto)",
        "evidence page in BM25's top 8",
        "evidence page cited",
        "value right",
        "unanswerable refused",
        "median s (warm)",
    ]
    rows = [
        row(f"{split}", [r for r in results if r.split == split])
        for split in ("tune", "check")
        if any(r.split == split for r in results)
    ]
    rows += [row(f"{kind}", [r for r in results if r.type == kind]) for kind in sorted({r.type for r in results})]
    rows += [
        row(f"format {fmt}", [r for r in results if r.format == fmt])
        for fmt in ("Str", "Int", "Float", "List", "None")
        if any(r.format == fmt for r in results)
    ]
    write_table(
        args.name,
        "MMLongBench-Doc with the embedded models (SmolLM2-135M extractive reader, MiniLM, 2 CPU cores)",
        header,
        rows,
        notes=f"{len(present)} documents; {missing} questions skipped (their PDF is not in the "
        "snapshot). Percentages over answerable questions except the refusals column. "
        "Warm: the document parsed and indexed (dense too) before its questions.",
    )


if __name__ == "__main__":
    main()
