"""Two-turn conversations on real documents: the follow-up depends on the first turn (an ellipsis,
a pronoun, a changed period), and is scored against the standalone question it means, which is
asked alone too, side by side.

    python -m benchmarks.conversations [--model qwen] [--name conversations-smollm2]

Documents: the real-document set (benchmarks/realdocs/docs) and three of docugami's real 10-Q
filings (`fetch github:docugami/KG-RAG-datasets`; without the snapshot their conversations are
skipped and the table says so). The conversations were written by reading the documents; the
follow-ups' answers and pages are the standalone questions' (most are realdocs questions, the
filing ones read off the statements). The first turn is answered by the agent, and its answer
is the history the follow-up reads, as in use.
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

from .common import write_table
from .realdocs.__main__ import document_bytes
from .realdocs.questions import QUESTIONS, Question, q
from .realdocs.scoring import precise, right
from .suites.common import add_reader_options, git_show, reader_agent
from .suites.docugami import DATA, ROOT, SNAPSHOT

REALDOCS = {question.id: question for question in QUESTIONS}
FILINGS = ("2022 Q3 AAPL.pdf", "2023 Q1 MSFT.pdf", "2023 Q2 NVDA.pdf")


@dataclass(frozen=True)
class Conversation:
    id: str
    shape: str  # what the follow-up leaves to the first turn: period, ellipsis, pronoun, continuation
    first: str
    follow_up: str
    means: Question  # the standalone question: its text, answers and pages


def on(qid, shape, first, follow_up, means):
    """A conversation whose follow-up means realdocs question `means` (an id) or a Question."""
    return Conversation(qid, shape, first, follow_up, REALDOCS[means] if isinstance(means, str) else means)


def filing(qid, doc, question, answers, page):
    return q(qid, doc, question, answers, [page], "table")


AAPL, MSFT, NVDA = FILINGS
CONVERSATIONS = [
    # -- the research paper
    on(
        "dpr-a",
        "pronoun",
        "Which Wikipedia dump was used as the source documents?",
        "How many passages did splitting it into 100-word blocks produce?",
        "dpr-01",
    ),
    on(
        "dpr-b",
        "continuation",
        "How many questions per second can DPR process with the FAISS in-memory index?",
        "And how long does building that index on 21 million vectors take on a single server?",
        "dpr-06",
    ),
    on(
        "dpr-c",
        "ellipsis",
        "What value of the BM25 parameter b was used?",
        "And the parameter k1?",
        q("dpr-k1", "dpr-paper.pdf", "What value of the BM25 parameter k1 was used?", ["0.9"], [5], "number"),
    ),
    on(
        "dpr-d",
        "pronoun",
        "What batch size was the main DPR model trained with?",
        "What is the dimension d of its encoder output?",
        "dpr-07",
    ),
    on(
        "dpr-e",
        "pronoun",
        "On which CPU was the passage retrieval speed profiled?",
        "How many questions per second could DPR process on it with the FAISS in-memory index?",
        "dpr-03",
    ),
    # -- the long book
    on(
        "wp-a",
        "pronoun",
        "Who was the first to arrive at Anna Pavlovna's reception?",
        "Between which hours had she invited her guests?",
        "wp-03",
    ),
    on("wp-b", "pronoun", "Whose son is Pierre?", "In what year was he born?", "wp-09"),
    # -- the technical manual
    on(
        "irs-a",
        "pronoun",
        "Where are the accounts of the Business Master File located?",
        "How many years of retention data are in on-line status there?",
        "irs-05",
    ),
    on(
        "irs-b",
        "pronoun",
        "Who signed this manual transmittal as Chief Information Officer?",
        "The IRM of which date does it supersede?",
        "irs-04",
    ),
    on(
        "irs-c",
        "pronoun",
        "What is this manual about?",
        "Who signed its transmittal as Chief Information Officer?",
        "irs-03",
    ),
    # -- the legal text
    on(
        "fr-a",
        "ellipsis",
        "How many fatalities resulted from the Lion Air Flight 610 accident?",
        "And from the Ethiopian Airlines Flight 302 accident?",
        q(
            "fr-et",
            "federal-register-2020-17221.pdf",
            "How many fatalities resulted from the Ethiopian Airlines Flight 302 accident?",
            ["157"],
            [2],
            "number",
        ),
    ),
    on(
        "fr-b",
        "pronoun",
        "What is the docket number of this rulemaking?",
        "Who is its contact for further information?",
        "fr-08",
    ),
    on(
        "fr-c",
        "pronoun",
        "How many airplanes of U.S. registry does the proposed AD affect?",
        "What hourly labor rate does the FAA use in its cost estimates for them?",
        "fr-04",
    ),
    on(
        "fr-d",
        "pronoun",
        "From which airport did Ethiopian Airlines Flight 302 take off?",
        "How many passengers were aboard it?",
        "fr-10",
    ),
    # -- the table-heavy report
    on(
        "warn-a",
        "ellipsis",
        "How many employees did Yahoo! Inc. lay off in Sunnyvale?",
        "What about Hudsloan Enterprises in Los Angeles?",
        "warn-01",
    ),
    on(
        "warn-b",
        "ellipsis",
        "In which city did Odwalla Inc. report a layoff?",
        "What about TaylorMade Golf Company?",
        "warn-05",
    ),
    on("warn-c", "pronoun", "What period does this WARN report cover?", "How often is it updated?", "warn-06"),
    on(
        "warn-d",
        "pronoun",
        "How often is this WARN report updated?",
        "How many employees in total does it count?",
        "warn-07",
    ),
    on(
        "warn-e",
        "ellipsis",
        "How many employees were affected by the Hudsloan Enterprises closure in Los Angeles?",
        "And at The Ritz-Carlton, Lake Tahoe?",
        "warn-04",
    ),
    # -- the slide deck
    on(
        "db-a",
        "pronoun",
        "Which database is the talk's example of a columnar database?",
        "Which kinds of data suit it?",
        "db-10",
    ),
    on("db-b", "continuation", "What is OpenSearch backed by?", "And which query language does Neo4J have?", "db-07"),
    on("db-c", "pronoun", "When was this talk given?", "How many people attended it?", "db-09"),
    # -- German lecture notes
    on(
        "geo-a",
        "pronoun",
        "In welchem Semester wurde dieses Skript geschrieben?",
        "Und was kostet es in A5 mit Ringbindung?",
        "geo-02",
    ),
    on(
        "geo-b",
        "pronoun",
        "Auf wessen Vorlesung basiert das Skript?",
        "Wer hat durch viele Verbesserungsvorschläge dazu beigetragen?",
        "geo-07",
    ),
    on(
        "geo-c", "pronoun", "Wer hat dieses Skript geschrieben?", "In welchem Semester hat er es geschrieben?", "geo-01"
    ),
    on(
        "geo-d",
        "continuation",
        "Wie lange wurde das Parallelenproblem nicht gelöst?",
        "Und in welchem Buch kann man den Beweis des Satzes von Gauß-Bonnet nachlesen?",
        "geo-05",
    ),
    # -- Markdown
    on(
        "rust-a",
        "pronoun",
        "Which hashing function does HashMap use by default?",
        "What does it provide resistance to?",
        "rust-07",
    ),
    on(
        "rust-b",
        "pronoun",
        "Which environment variable makes a panic print a backtrace?",
        "And what do you add to Cargo.toml to abort on it?",
        "rust-03",
    ),
    on(
        "rust-c",
        "pronoun",
        "What is a String a wrapper over?",
        "What are the three relevant ways to look at them from Rust's perspective?",
        "rust-08",
    ),
    # -- real 10-Q filings: periods changed, rows and pronouns
    on(
        "aapl-a",
        "period",
        "What were Apple's total net sales in the three months ended June 25, 2022?",
        "And in the same quarter of 2021?",
        filing(
            "aapl-sales-21",
            AAPL,
            "What were Apple's total net sales in the three months ended June 26, 2021?",
            ["81,434"],
            4,
        ),
    ),
    on(
        "aapl-b",
        "period",
        "What was Apple's net income in the three months ended June 25, 2022?",
        "And for the nine months?",
        filing(
            "aapl-income-9m", AAPL, "What was Apple's net income in the nine months ended June 25, 2022?", ["79,082"], 4
        ),
    ),
    on(
        "aapl-c",
        "period",
        "How much cash and cash equivalents did Apple have on June 25, 2022?",
        "And on September 25, 2021?",
        filing(
            "aapl-cash-21",
            AAPL,
            "How much cash and cash equivalents did Apple have on September 25, 2021?",
            ["34,940"],
            6,
        ),
    ),
    on(
        "aapl-d",
        "period",
        "What was Apple's research and development expense in the three months ended June 25, 2022?",
        "And a year earlier?",
        filing(
            "aapl-rd-21",
            AAPL,
            "What was Apple's research and development expense in the three months ended June 26, 2021?",
            ["5,717"],
            4,
        ),
    ),
    on(
        "msft-a",
        "ellipsis",
        "What was Microsoft's total revenue in the three months ended December 31, 2022?",
        "And its net income?",
        filing(
            "msft-income",
            MSFT,
            "What was Microsoft's net income in the three months ended December 31, 2022?",
            ["16,425"],
            3,
        ),
    ),
    on(
        "msft-b",
        "period",
        "What was Microsoft's research and development expense in the three months ended December 31, 2022?",
        "And in 2021?",
        filing(
            "msft-rd-21",
            MSFT,
            "What was Microsoft's research and development expense in the three months ended December 31, 2021?",
            ["5,758"],
            3,
        ),
    ),
    on(
        "nvda-a",
        "ellipsis",
        "What was NVIDIA's revenue in the three months ended July 30, 2023?",
        "And its gross profit?",
        filing(
            "nvda-gross", NVDA, "What was NVIDIA's gross profit in the three months ended July 30, 2023?", ["9,462"], 3
        ),
    ),
    on(
        "nvda-b",
        "period",
        "What was NVIDIA's operating income in the three months ended July 30, 2023?",
        "What was it a year earlier?",
        filing(
            "nvda-op-22",
            NVDA,
            "What was NVIDIA's operating income in the three months ended July 31, 2022?",
            ["499"],
            3,
        ),
    ),
]


@dataclass
class Result:
    id: str
    shape: str
    type: str
    follow_up: str
    asked_as: str  # the standalone question the agent made of the follow-up
    made_by: str  # "" (asked as typed), "rules" or "model"
    first_text: str
    text: str  # the follow-up's answer
    alone_text: str  # the standalone question's answer, asked without a conversation
    right: bool
    cited: bool
    alone_right: bool
    alone_cited: bool
    seconds: float  # the follow-up, rewrite included
    error: str = ""


def score(question: Question, document, answer) -> tuple[bool, bool]:
    """(right, cited) as benchmarks.realdocs scores them."""
    ok = right(question, answer.text)
    if not question.answerable:
        return ok, ok and not answer.citations
    return ok, ok and any(precise(question, document, c) for c in answer.citations)


def converse(agent, index, conversation: Conversation) -> Result:
    means = conversation.means
    try:
        first = agent.ask(index, conversation.first)
        start = time.perf_counter()
        follow = agent.ask(index, conversation.follow_up, history=[(conversation.first, first.text)])
        seconds = time.perf_counter() - start
        alone = agent.ask(index, means.question)
    except Exception as exc:  # a failure is a wrong answer, recorded
        return Result(
            conversation.id,
            conversation.shape,
            means.type,
            conversation.follow_up,
            "",
            "",
            "",
            "",
            "",
            False,
            False,
            False,
            False,
            0.0,
            f"{type(exc).__name__}: {exc}",
        )
    made = next((s.detail.split(":")[0].split(";")[0] for s in follow.trace.steps if s.name == "standalone"), "")
    ok, cited = score(means, index.document, follow)
    alone_ok, alone_cited = score(means, index.document, alone)
    return Result(
        conversation.id,
        conversation.shape,
        means.type,
        conversation.follow_up,
        follow.trace.question,
        made,
        first.text,
        follow.text,
        alone.text,
        ok,
        cited,
        alone_ok,
        alone_cited,
        seconds,
    )


def documents(names, cache_dir):
    from retrieval import DocumentIndex, load_document

    indexes = {}
    for name in names:
        data = git_show(SNAPSHOT, f"{ROOT}/docs/{name}") if name in FILINGS else document_bytes(name)
        if data is None:
            continue
        document = load_document(data, filename=name, cache_dir=cache_dir)
        indexes[name] = DocumentIndex.build(document, cache_dir=cache_dir)
        print(f"[conversations] {name}: {len(document.pages)} pages", file=sys.stderr, flush=True)
    return indexes


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.conversations")
    parser.add_argument("--cache-dir", default=str(Path(tempfile.gettempdir()) / "longdoc-realdocs"))
    parser.add_argument("--name", default="conversations")
    parser.add_argument("--ids", default="", help="comma-separated conversation ids")
    add_reader_options(parser, strategy=False)
    args = parser.parse_args(argv)
    chosen = [c for c in CONVERSATIONS if not args.ids or c.id in args.ids.split(",")]
    indexes = documents(sorted({c.means.doc for c in chosen}), args.cache_dir)
    agent = reader_agent(args, args.cache_dir)
    results, skipped = [], [c.id for c in chosen if c.means.doc not in indexes]
    DATA.mkdir(parents=True, exist_ok=True)
    with open(DATA / f"{args.name}.jsonl", "w") as log:  # replies quote docugami's filings too: kept out of git
        for conversation in chosen:
            if conversation.means.doc not in indexes:
                continue
            result = converse(agent, indexes[conversation.means.doc], conversation)
            results.append(result)
            log.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
            log.flush()
            print(
                f"[{result.id}] {'RIGHT' if result.right else 'wrong'}{' +cited' if result.cited else ''} "
                f"(alone {'RIGHT' if result.alone_right else 'wrong'}) {result.made_by or 'as typed'}: "
                f"{result.asked_as!r} -> {result.text[:100]!r} {result.error}",
                file=sys.stderr,
                flush=True,
            )

    def row(label, rows):
        pct = lambda n: f"{100 * n / len(rows):.0f}% ({n}/{len(rows)})" if rows else "-"
        made = {how: sum(r.made_by == how for r in rows) for how in ("model", "rules", "")}
        return [
            label,
            len(rows),
            pct(sum(r.right for r in rows)),
            pct(sum(r.cited for r in rows)),
            pct(sum(r.alone_right for r in rows)),
            pct(sum(r.alone_cited for r in rows)),
            f"{made['model']} / {made['rules']} / {made['']}",
            f"{statistics.median(r.seconds for r in rows):.1f}" if rows else "-",
        ]

    rows = [row("all", results)] + [
        row(shape, [r for r in results if r.shape == shape]) for shape in sorted({r.shape for r in results})
    ]
    reader = f"{args.model or 'SmolLM2-135M'}, {args.reader} reader"
    misses = "; ".join(f"{r.id}: asked as {r.asked_as!r}" for r in results if not r.right and r.alone_right)
    notes = [
        f"{len(results)} two-turn conversations on {len(indexes)} real documents (benchmarks/conversations.py). "
        "Follow-up: the second turn asked with the first as history; alone: the standalone question it means, asked "
        "without one. Right and cited as benchmarks.realdocs scores them (an unanswerable one: refused,"
        " nothing cited). "
        "Made standalone: by the model's rewrite / by rules / asked as typed (no dependence found).",
        f"Right alone but wrong as a follow-up: {misses or 'none'}.",
    ]
    if skipped:
        notes.append(f"Skipped (the docugami snapshot is absent): {', '.join(skipped)}.")
    write_table(
        args.name,
        f"Follow-up questions in conversations (embedded {reader}, 2 CPU cores)",
        [
            "conversations",
            "n",
            "follow-up right",
            "follow-up right + cited",
            "alone right",
            "alone right + cited",
            "made standalone (model / rules / as typed)",
            "median s (follow-up)",
        ],
        rows,
        notes="\n\n".join(notes),
    )


if __name__ == "__main__":
    main()
