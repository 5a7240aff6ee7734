"""docugami's multi-document 10-Q questions (`sec-10-q`, "Multi-Doc RAG") asked of one collection of
all 20 filings, as a user with a folder of quarterly reports would.

    python -m benchmarks.suites.collections --split check [--model qwen] [--name suites-collections]
    python -m benchmarks.suites.collections --split check --scale [--name suites-collections-100]
    python -m benchmarks.suites.collections --scale longbench [--name suites-collections-10m]

`--scale` (`pdfs`): the collection is 100 real PDFs (the 20 filings, docugami's 60 other documents:
clinical trial protocols, aviation accident reports, federal agency reports; 20 of MMLongBench-Doc's),
and the suite's single-document questions are asked of it too (the right document: their filing).
`--scale longbench`: the 20 filings and 80 of LongBench v2's long documents (longbench.py), about 10M
tokens; each of those 80 documents' own question is asked too (the right document: its own).
The indexes are built by `Collection.build` first (timed; reopened when cached), then each question
is warm; resident memory is read after each question.

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
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.common import write_table
from benchmarks.suites import longbench
from benchmarks.suites.common import add_reader_options, extracted, git_listing, pct, reader_agent, split
from benchmarks.suites.docugami import (
    DATA,
    ROOT,
    SNAPSHOT,
    content_words,
    distinctive_values,
    evidence_pages,
    suite_rows,
)


@dataclass
class Question:
    id: str
    company: str  # the filings answering: "AAPL" of "*AAPL*", or one filing's name ("2022 Q3 AAPL.pdf")
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


def questions(snapshot: Path, single: bool = False) -> list[Question]:
    """The multi-document questions (and with `single`, the single-document ones, after them)."""
    seen: dict[str, int] = {}
    out = []
    rows = suite_rows(snapshot)
    for n, row in enumerate(rows + (rows if single else [])):
        if (row["Question Type"] == "Multi-Doc RAG") != (n < len(rows)):
            continue
        company = row["Source Docs"].strip("*") + ("" if n < len(rows) else ".pdf")
        order = seen.get(company, 0)
        seen[company] = order + 1
        out.append(
            Question(
                f"{n % len(rows):03d}", company, row["Source Chunk Type"], row["Question"], row["Answer"], split(order)
            )
        )
    return out


def long_questions() -> list[Question]:
    """LongBench v2's questions on its documents in the 10M-token collection, without their choices."""
    return [
        Question(f"lb{k:02d}", sample.path.name, sample.subdomain, sample.question, "", split(k))
        for k, sample in enumerate(longbench.samples())
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.suites.collections")
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--split", choices=["tune", "check"], default=None)
    parser.add_argument("--cache-dir", default=str(Path(tempfile.gettempdir()) / "longdoc-collections"))
    parser.add_argument("--name", default="suites-collections")
    parser.add_argument(
        "--scale",
        nargs="?",
        const="pdfs",
        choices=["pdfs", "longbench"],
        help="100 documents: 'pdfs' (and the single-document questions) or 'longbench' (10M tokens)",
    )
    parser.add_argument("--routed", type=int, default=None, help="documents a question opens (default: the library's)")
    add_reader_options(parser)
    args = parser.parse_args(argv)
    from agent import Collection

    asked = questions(args.snapshot, args.scale == "pdfs") + (long_questions() if args.scale == "longbench" else [])
    wanted = [q for q in asked if not args.split or q.split == args.split]
    DATA.mkdir(parents=True, exist_ok=True)
    paths = [
        path
        for company in ("AAPL", "AMZN", "INTC", "MSFT", "NVDA")
        for period in ("2022 Q3", "2023 Q1", "2023 Q2", "2023 Q3")
        if (path := extracted(args.snapshot, f"{ROOT}/docs/{period} {company}.pdf", DATA)) is not None
    ]
    if args.scale == "pdfs":
        paths = scale_documents(args.snapshot, paths)
    elif args.scale == "longbench":
        paths += [sample.path for sample in longbench.samples()]
    agent = reader_agent(args, args.cache_dir)
    start = time.perf_counter()
    collection = Collection(
        [str(p) for p in paths],
        agent=agent,
        cache_dir=args.cache_dir,
        **({"routed": args.routed} if args.routed else {}),
    )
    read_s = time.perf_counter() - start
    building = collection.build(
        lambda state: print(
            f"[collections] indexing {state.done}/{state.total} {Path(state.current).name}", file=sys.stderr, flush=True
        )
    )
    built_s = time.perf_counter() - start - read_s
    tokens = sum(len(m.document.text) for m in collection.members) // 4
    print(
        f"[collections] {len(collection.members)} documents ({tokens:,} tokens) read in {read_s:.0f} s, indexed in "
        f"{built_s:.0f} s {building.error}",
        file=sys.stderr,
        flush=True,
    )
    pages = {Path(m.name).name: m.document.pages for m in collection.members}
    # a file with the same bytes as another is that document, cited under the first one's name
    cited_as = {Path(name).name: Path(m.name).name for m in collection.members for name in m.names}
    resident = []
    results = []
    with open(DATA / f"{args.name}.jsonl", "w") as log:  # replies quote the suite's documents: kept out of git
        for question in wanted:
            answering = list(dict.fromkeys(cited_as[name] for name in cited_as if question.company in name))
            values = distinctive_values(question.answer)
            evidence = {name: evidence_pages(values, pages[name]) for name in answering} if values else {}
            evidence = {name: found for name, found in evidence.items() if found}
            began = time.perf_counter()
            try:
                answer = collection.ask(question.question, strategy=args.strategy)
                text, error = answer.text, ""
                cited = [(Path(c.document).name, c.page) for c in answer.citations]
                asked = next(
                    (int(s.detail.split(", ")[1].split()[0]) for s in answer.trace.steps if s.name == "collection"), 0
                )
            except Exception as exc:  # a failure is a wrong answer, recorded
                text, error, cited, asked = "", f"{type(exc).__name__}: {exc}", [], 0
            gold = content_words(question.answer, question.question)
            result = Result(
                question.id,
                question.split,
                question.company,
                text,
                cited,
                any(name in answering for name, _ in cited),
                evidence,
                any(page in evidence.get(name, []) for name, page in cited),
                asked,
                len(gold & content_words(text)) / len(gold) if gold else 0.0,
                time.perf_counter() - began,
                error,
            )
            results.append(result)
            resident.append(resident_mb())
            log.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
            log.flush()
            print(
                f"[collections] {question.id} {question.company} doc={result.right_document} page={result.page_cited} "
                f"asked={asked} {result.seconds:.0f}s {text[:90]!r} {error}",
                file=sys.stderr,
                flush=True,
            )

    def row(label, rows):
        located = [r for r in rows if r.evidence]
        return [
            label,
            len(rows),
            pct(sum(r.right_document for r in rows), len(rows)),
            pct(sum(r.page_cited for r in located), len(located)),
            f"{statistics.median(r.asked for r in rows):.0f}" if rows else "-",
            f"{100 * statistics.mean(r.word_recall for r in rows):.0f}%" if rows else "-",
            f"{statistics.median(r.seconds for r in rows):.1f}" if rows else "-",
        ]

    groups = [
        ("multi-document", lambda q: not q.company.endswith((".pdf", ".txt"))),
        ("single-document", lambda q: q.company.endswith(".pdf")),
        ("LongBench v2 (own document)", lambda q: q.company.endswith(".txt")),
    ]
    groups += [(source, lambda q, source=source: q.source == source) for source in ("Table", "Text")]
    rows = [row(args.split or "all", results)] + [
        row(label, [r for r in results if r.id in {q.id for q in wanted if chosen(q)}])
        for label, chosen in groups
        if any(chosen(q) for q in wanted)
    ]
    reader = f"{args.model or 'SmolLM2-135M'}, {args.reader} reader"
    kinds = {
        "pdfs": "multi- and single-document questions",
        "longbench": "multi-document questions and LongBench v2's",
    }.get(args.scale, "multi-document questions")
    held = (
        f"{collection.routed} documents opened per question; {len(collection.members)} documents, "
        f"{tokens:,} tokens (characters / 4); read in {read_s:.0f} s, indexed "
        f"({'reopened from the cache' if built_s < 60 else 'built'}) in {built_s:.0f} s; resident memory after "
        f"each question: max {max(resident, default=0):,.0f} MB, peak of the whole run {peak_mb():,.0f} MB. "
    )
    write_table(
        args.name,
        f"docugami SEC 10-Q, {kinds} over one collection of {len(paths)} documents "
        f"(embedded {reader}, MiniLM, 2 CPU cores)",
        [
            "",
            "questions",
            "right document cited",
            "evidence page cited",
            "filings read (median)",
            "answer words held",
            "median s (warm)",
        ],
        rows,
        notes=held
        + "Scoring: benchmarks/suites/collections.py (no LLM judge). Evidence pages: the pages of an answering "
        "filing printing the most of the answer's numbers; questions whose answer states none count for the "
        "document column only.",
    )


def scale_documents(snapshot: Path, filings: list[Path]) -> list[Path]:
    """The filings, docugami's other 60 documents and MMLongBench-Doc's first 20: 100 real PDFs."""
    from benchmarks.suites.mmlongbench import SNAPSHOT as MMLONGBENCH

    others = []
    for repo, folder, wanted in ((snapshot, "", 60), (MMLONGBENCH, "data/documents/", 20)):
        found = [
            path
            for name in git_listing(repo)
            if name.lower().endswith(".pdf")
            and name.startswith(folder)
            and not name.startswith(ROOT)
            and (path := extracted(repo, name, DATA.parent / "scale")) is not None
        ]
        others += found[:wanted]
    return filings + others


def resident_mb() -> float:
    """This process's resident memory now (Linux)."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
