"""docugami's multi-document 10-Q questions (`sec-10-q`, "Multi-Doc RAG") asked of one collection of
all 20 filings, as a user with a folder of quarterly reports would.

    python -m benchmarks.suites.collections --split check [--model qwen] [--name suites-collections]

Each question names a company and asks across its filings ("How has Apple's total net sales
changed over time?"); the suite says which filings answer (`*AAPL*`). Scored without an LLM:
- right document cited: a citation in one of the answering filings;
- evidence page cited (questions whose answer states numbers some answering filing prints): a
  citation on a page of an answering filing printing the most of those numbers (as the
  single-document suite finds evidence pages);
- documents asked: how many filings the agent read for it; answer words held, as a recall.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.common import write_table
from benchmarks.suites.common import add_reader_options, extracted, pct, reader_agent, split
from benchmarks.suites.docugami import (DATA, ROOT, SNAPSHOT, content_words, distinctive_values, evidence_pages,
                                        suite_rows)


@dataclass
class Question:
    id: str
    company: str  # the filings answering: "AAPL" of "*AAPL*"
    source: str
    question: str
    answer: str
    split: str


@dataclass
class Result:
    id: str
    split: str
    company: str
    text: str
    cited: list  # (filing, page)
    right_document: bool
    evidence: dict  # filing -> evidence pages
    page_cited: bool
    asked: int  # filings the agent read
    word_recall: float
    seconds: float
    error: str = ""


def questions(snapshot: Path) -> list[Question]:
    seen: dict[str, int] = {}
    out = []
    for n, row in enumerate(suite_rows(snapshot)):
        if row["Question Type"] != "Multi-Doc RAG":
            continue
        company = row["Source Docs"].strip("*")
        order = seen.get(company, 0)
        seen[company] = order + 1
        out.append(Question(f"{n:03d}", company, row["Source Chunk Type"], row["Question"], row["Answer"], split(order)))
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.suites.collections")
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--split", choices=["tune", "check"], default=None)
    parser.add_argument("--cache-dir", default=str(Path(tempfile.gettempdir()) / "longdoc-collections"))
    parser.add_argument("--name", default="suites-collections")
    add_reader_options(parser)
    args = parser.parse_args(argv)
    from agent import Collection
    from retrieval import load_document

    wanted = [q for q in questions(args.snapshot) if not args.split or q.split == args.split]
    DATA.mkdir(parents=True, exist_ok=True)
    paths = [path for company in ("AAPL", "AMZN", "INTC", "MSFT", "NVDA")
             for period in ("2022 Q3", "2023 Q1", "2023 Q2", "2023 Q3")
             if (path := extracted(args.snapshot, f"{ROOT}/docs/{period} {company}.pdf", DATA)) is not None]
    agent = reader_agent(args, args.cache_dir)
    start = time.perf_counter()
    collection = Collection([str(p) for p in paths], agent=agent, cache_dir=args.cache_dir)
    for member in collection.members:  # indexes built once, BM25 and dense, so every question is warm
        agent.index_for(member.document).wait()
    print(f"[collections] {len(collection.members)} filings read and indexed in {time.perf_counter() - start:.0f} s",
          file=sys.stderr, flush=True)
    pages = {Path(m.name).name: load_document(m.name, cache_dir=args.cache_dir).pages for m in collection.members}
    results = []
    with open(DATA / f"{args.name}.jsonl", "w") as log:  # replies quote the suite's documents: kept out of git
        for question in wanted:
            answering = [name for name in pages if question.company in name]
            values = distinctive_values(question.answer)
            evidence = {name: evidence_pages(values, pages[name]) for name in answering} if values else {}
            evidence = {name: found for name, found in evidence.items() if found}
            began = time.perf_counter()
            try:
                answer = collection.ask(question.question, strategy=args.strategy)
                text, error = answer.text, ""
                cited = [(Path(c.document).name, c.page) for c in answer.citations]
                asked = next((int(s.detail.split(", ")[1].split()[0]) for s in answer.trace.steps if s.name == "collection"), 0)
            except Exception as exc:  # a failure is a wrong answer, recorded
                text, error, cited, asked = "", f"{type(exc).__name__}: {exc}", [], 0
            gold = content_words(question.answer, question.question)
            result = Result(question.id, question.split, question.company, text, cited,
                            any(name in answering for name, _ in cited), evidence,
                            any(page in evidence.get(name, []) for name, page in cited), asked,
                            len(gold & content_words(text)) / len(gold) if gold else 0.0,
                            time.perf_counter() - began, error)
            results.append(result)
            log.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
            log.flush()
            print(f"[collections] {question.id} {question.company} doc={result.right_document} page={result.page_cited} "
                  f"asked={asked} {result.seconds:.0f}s {text[:90]!r} {error}", file=sys.stderr, flush=True)

    def row(label, rows):
        located = [r for r in rows if r.evidence]
        return [label, len(rows), pct(sum(r.right_document for r in rows), len(rows)),
                pct(sum(r.page_cited for r in located), len(located)),
                f"{statistics.median(r.asked for r in rows):.0f}" if rows else "-",
                f"{100 * statistics.mean(r.word_recall for r in rows):.0f}%" if rows else "-",
                f"{statistics.median(r.seconds for r in rows):.1f}" if rows else "-"]

    rows = [row(args.split or "all", results)] + [row(source, [r for r in results if r.id in
                                                              {q.id for q in wanted if q.source == source}])
                                                  for source in ("Table", "Text")]
    reader = f"{args.model or 'SmolLM2-135M'}, {args.reader} reader"
    write_table(args.name, f"docugami SEC 10-Q, multi-document questions over one collection of {len(paths)} filings "
                f"(embedded {reader}, MiniLM, 2 CPU cores)",
                ["", "questions", "right document cited", "evidence page cited", "filings read (median)",
                 "answer words held", "median s (warm)"], rows,
                notes="Scoring: benchmarks/suites/collections.py (no LLM judge). Evidence pages: the pages of an answering "
                      "filing printing the most of the answer's numbers; questions whose answer states none count for the "
                      "document column only.")


if __name__ == "__main__":
    main()
