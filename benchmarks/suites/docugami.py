"""docugami's SEC 10-Q set (docugami/KG-RAG-datasets, `sec-10-q/data/v1`) as a dev benchmark: the
single-document questions on 20 quarterly filings (AAPL, AMZN, INTC, MSFT, NVDA; 2022 Q3 - 2023 Q3).

    python -m benchmarks.suites.docugami --split check [--snapshot DIR] [--max-docs N]

The suite gives free-text answers (written by GPT-4-Turbo over the whole filing, then reviewed by
hand) and no evidence pages, so it is scored without an LLM, by what can be checked:
- a question whose answer holds distinctive numbers (three or more digits, or a decimal point;
  dates, years and "10-Q" set aside) is a *value* question; its evidence pages are the pages that
  hold the most of those numbers (as printed: "36,413"); `cited` = a citation on one of them,
  `right` = the reply holds at least half of the answer's distinctive numbers (within 1%).
  Numbers the filing never prints (a percentage the answer computed) leave the question without
  evidence pages: it counts for `right` only.
- a question whose answer opens with yes or no is also a *yes/no* question: `right` = the reply
  opens with the same word (its evidence pages, when it states numbers, as above).
- any other question is a *text* question, scored by the share of the answer's content words (not
  in the question) that the reply holds: a recall, not right or wrong.
Cold: the first question of each filing is asked with its path on an empty cache (parse, BM25,
answer; the dense index joins in the background), as a user's first question is. The others are
asked warm (the dense index built first). Check split: every third question of each filing.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.common import write_table
from benchmarks.suites.common import (
    add_reader_options,
    ask,
    extracted,
    git_show,
    near,
    number,
    pct,
    peer_pages,
    reader_agent,
    split,
)

SNAPSHOT = Path("/work/.mirror/docugami+KG-RAG-datasets/repo")
ROOT = "sec-10-q/data/v1"
DATA = Path(__file__).resolve().parent / "data" / "docugami"
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
NOT_VALUES = re.compile(
    rf"(?:{MONTHS})\s+\d{{1,2}},?\s+\d{{4}}|\b(?:19|20)\d\d\b|\b10-[QK]\b|\bQ[1-4]\b|[*x×]\s*100\b"
    r"|SOURCE\(S\):.*",
    re.S,
)
YES_NO = re.compile(r"\s*(yes|no)\b", re.I)
VALUE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
WORD = re.compile(r"[a-z][a-z'-]{3,}")
COMMON = set(
    "that this with from were have been which their they there than then also into over more such these those "
    "document documents provided context based report reported quarter period ended months during company "
    "information mentioned specifically however additionally including total".split()
)


@dataclass
class Question:
    id: str
    doc: str  # the filing's file name
    kind: str  # single-chunk or multi-chunk, as the suite names it
    source: str  # Table or Text: where the suite's answer came from
    question: str
    answer: str
    split: str


@dataclass
class Result:
    id: str
    split: str
    kind: str
    source: str
    scored_as: str  # yes/no, value or text
    text: str
    evidence_pages: list[int]
    read_pages: list[int]
    cited_pages: list[int]
    peer_pages: list[int]
    recall: bool
    cited: bool
    peer_recall: bool
    right: bool
    word_recall: float
    cold: bool
    seconds: float
    error: str = ""


def suite_rows(snapshot: Path) -> list[dict]:
    """The suite's questions as its CSV gives them (Question, Source Docs, Question Type, ...)."""
    return list(csv.DictReader(io.StringIO(git_show(snapshot, f"{ROOT}/qna_data.csv").decode("utf-8-sig"))))


def questions(snapshot: Path) -> list[Question]:
    seen: dict[str, int] = {}
    out = []
    for n, row in enumerate(suite_rows(snapshot)):
        if not row["Question Type"].startswith("Single-Doc"):
            continue  # multi-document questions belong to the collections issue
        doc = row["Source Docs"].strip("*") + ".pdf"
        order = seen.get(doc, 0)
        seen[doc] = order + 1
        kind = "multi-chunk" if "Multi-Chunk" in row["Question Type"] else "single-chunk"
        out.append(
            Question(f"{n:03d}", doc, kind, row["Source Chunk Type"], row["Question"], row["Answer"], split(order))
        )
    return out


def distinctive_values(answer: str) -> list[str]:
    """The numbers an answer states, as printed, without dates, years and form names."""
    found = [m.group(0).rstrip(",") for m in VALUE.finditer(NOT_VALUES.sub(" ", answer))]
    return list(dict.fromkeys(v for v in found if "." in v or len(v.replace(",", "")) >= 3))


def evidence_pages(values: list[str], pages) -> list[int]:
    """Pages printing the most of `values` (none when the filing prints none of them)."""
    counts = {
        page.number: sum(re.search(rf"(?<![\d.,]){re.escape(v)}(?![\d]|[.,]\d)", page.text) is not None for v in values)
        for page in pages
    }
    best = max(counts.values(), default=0)
    return sorted(p for p, c in counts.items() if c == best) if best else []


def content_words(text: str, besides: str = "") -> set[str]:
    skip = set(WORD.findall(besides.lower())) | COMMON
    return {w for w in WORD.findall(NOT_VALUES.sub(" ", text).lower()) if w not in skip}


def scored(question: Question, reply, pages, peer_read: list[int], cold: bool) -> Result:
    values = distinctive_values(question.answer)
    evidence = evidence_pages(values, pages) if values else []
    said = [number(m.group(0)) for m in VALUE.finditer(reply.text)]
    held = sum(any(s is not None and near(s, number(v)) for s in said) for v in values)
    gold_words = content_words(question.answer, question.question)
    word_recall = len(gold_words & content_words(reply.text)) / len(gold_words) if gold_words else 0.0
    opens, replied = YES_NO.match(question.answer), YES_NO.match(reply.text)
    if opens:
        kind, right = "yes/no", bool(replied) and replied.group(1).lower() == opens.group(1).lower()
    else:
        kind, right = ("value" if values else "text"), bool(values) and 2 * held >= len(values)
    return Result(
        question.id,
        question.split,
        question.kind,
        question.source,
        kind,
        reply.text,
        evidence,
        reply.read_pages,
        reply.cited_pages,
        peer_read,
        bool(set(evidence) & set(reply.read_pages)),
        bool(set(evidence) & set(reply.cited_pages)),
        bool(set(evidence) & set(peer_read)),
        right,
        word_recall,
        cold,
        reply.seconds,
        reply.error,
    )


def row(label: str, results: list[Result]) -> list[str]:
    values = [r for r in results if r.scored_as == "value"]
    yes_no = [r for r in results if r.scored_as == "yes/no"]
    located = [r for r in results if r.evidence_pages]
    texts = [r for r in results if r.scored_as == "text"]
    cold = [r.seconds for r in results if r.cold]
    warm = [r.seconds for r in results if not r.cold]
    return [
        label,
        str(len(results)),
        pct(sum(r.recall for r in located), len(located)),
        pct(sum(r.peer_recall for r in located), len(located)),
        pct(sum(r.cited for r in located), len(located)),
        pct(sum(r.right for r in values), len(values)),
        pct(sum(r.right for r in yes_no), len(yes_no)),
        f"{100 * statistics.mean(r.word_recall for r in texts):.0f}% ({len(texts)})" if texts else "-",
        f"{statistics.median(cold):.0f} / {max(cold):.0f}" if cold else "-",
        f"{statistics.median(warm):.1f}" if warm else "-",
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.suites.docugami")
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--split", choices=["tune", "check"], default=None)
    parser.add_argument("--max-docs", type=int, default=0, help="at most this many filings (0: all)")
    parser.add_argument("--cache-dir", default="", help="default: a new empty folder, so first questions are cold")
    parser.add_argument("--name", default="suites-docugami")
    add_reader_options(parser)
    args = parser.parse_args(argv)
    from retrieval import DocumentIndex, load_document

    cache_dir = args.cache_dir or tempfile.mkdtemp(prefix="longdoc-docugami-")
    wanted = [q for q in questions(args.snapshot) if not args.split or q.split == args.split]
    docs = sorted({q.doc for q in wanted})[: args.max_docs or None]
    agent, results = reader_agent(args, cache_dir), []
    DATA.mkdir(parents=True, exist_ok=True)
    with open(DATA / f"{args.name}.jsonl", "w") as log:  # replies quote the suite's documents: kept out of git
        for name in docs:
            path = extracted(args.snapshot, f"{ROOT}/docs/{name}", DATA)
            if path is None:
                print(f"[suites] {name}: not in the snapshot, its questions skipped", file=sys.stderr, flush=True)
                continue
            mine = [q for q in wanted if q.doc == name]
            first = ask(agent, path, mine[0].question, args.strategy)  # cold: the path, an empty cache
            try:
                loaded = load_document(path, cache_dir=cache_dir)
            except Exception as exc:  # a filing that does not load: its questions are skipped, said
                print(f"[suites] {name}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                continue
            start = time.perf_counter()
            index = agent.index_of(loaded) or DocumentIndex.build(loaded, embedder=agent.embedder, cache_dir=cache_dir)
            index.wait()  # the dense index the first question started: warm answers from here on
            peer = DocumentIndex.build(loaded, embedder=None, cache_dir=cache_dir)
            print(
                f"[suites] {name}: {len(loaded.pages)} pages; first answer cold in {first.seconds:.0f} s; "
                f"dense ready {time.perf_counter() - start:.0f} s later",
                file=sys.stderr,
                flush=True,
            )
            for n, question in enumerate(mine):
                reply = first if n == 0 else ask(agent, index, question.question, args.strategy)
                result = scored(question, reply, loaded.pages, peer_pages(peer, question.question), n == 0)
                results.append(result)
                log.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
                log.flush()
                print(
                    f"[suites] {question.id} {result.scored_as} evidence={result.evidence_pages[:4]} "
                    f"cited={result.cited} right={result.right} words={result.word_recall:.2f} "
                    f"{result.seconds:.1f}s {result.text[:90]!r}",
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
        "yes/no right",
        "text: answer words held (questions)",
        "first answer cold, median / max s",
        "median s (warm)",
    ]
    rows = [
        row(split, [r for r in results if r.split == split])
        for split in ("tune", "check")
        if any(r.split == split for r in results)
    ]
    rows += [
        row(f"{kind}, {source}", [r for r in results if (r.kind, r.source) == (kind, source)])
        for kind in ("single-chunk", "multi-chunk")
        for source in ("Table", "Text")
        if any((r.kind, r.source) == (kind, source) for r in results)
    ]
    reader = f"{args.model or 'SmolLM2-135M'}, reader {args.reader}, strategy {args.strategy}" + (
        f", passages of {args.rag_budget} tokens" if args.rag_budget else ""
    )
    write_table(
        args.name,
        f"docugami SEC 10-Q, single-document questions ({reader}; MiniLM; 2 CPU cores)",
        header,
        rows,
        notes=f"{len(docs)} filings. Evidence pages are the pages printing the most of the answer's numbers "
        "(questions whose answer states numbers the filing prints); value right over all value "
        "questions; yes/no right: the reply opens with the answer's yes or no; text questions scored "
        "by word recall (module docstring).",
    )


if __name__ == "__main__":
    main()
