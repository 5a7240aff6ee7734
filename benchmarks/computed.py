"""Computed answers measured: questions whose answer is a calculation over values of a document
(a ratio, a change, a percentage change, a margin, a total of rows, an average over rows), asked
of statements typeset as real PDFs (tests/retrieval/pdfs.statement_pdf: the tables the tests make),
in English, German and French, plus numbers that stand in prose and two questions the documents
cannot answer. The expected values are computed here from the tables' own numbers.

    python -m benchmarks.computed --model qwen            # the embedded Qwen as generative reader

Right: the reply's value (after its last "=", else its last number; read in the document's notation,
9,91 in the German report) within 0.5% of the expected one
(a percentage also as a fraction: 38.1% or 0.381; a decrease also as a positive change); cited:
right, citing pages and none of the filler pages (forward-looking statements). Unanswerable: refused with nothing cited.
Writes docs/benchmarks/computed.md and computed.jsonl.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agent.notation import CONTINENTAL, ENGLISH, FRENCH, NUMBER, Notation
from benchmarks.common import DOCS, CellLog, write_table
from benchmarks.suites.common import add_reader_options, ask, reader_agent

INCOME = {
    "title": "Consolidated Statements of Income",
    "unit": "(in millions of U.S. dollars)",
    "headers": [["Year Ended December 31,"], ["2023", "2022", "2021"]],
    "rows": [
        ["Net sales", "48,210", "45,372", "41,090"],
        ["Cost of sales", "29,844", "28,530", "26,115"],
        ["Gross profit", "18,366", "16,842", "14,975"],
        ["Research and development", "3,412", "3,105", "2,870"],
        ["Selling, general and administrative", "6,904", "6,552", "6,010"],
        ["Operating income", "8,050", "7,185", "6,095"],
        ["Interest expense", "(412)", "(389)", "(377)"],
        ["Net income", "6,105", "5,431", "4,612"],
    ],
}
BALANCE = {
    "title": "Consolidated Balance Sheets",
    "unit": "(in millions of U.S. dollars)",
    "headers": [["December 31,"], ["2023", "2022"]],
    "rows": [
        ["Current assets", "", ""],
        ["Cash and cash equivalents", "2,418", "1,977"],
        ["Short-term investments", "1,150", "980"],
        ["Accounts receivable, net", "3,306", "3,012"],
        ["Inventories", "2,774", "2,501"],
        ["Total current assets", "9,648", "8,470"],
        ["Total current liabilities", "6,120", "5,885"],
        ["Long-term debt", "7,450", "7,900"],
        ["Total shareholders' equity", "11,230", "10,415"],
    ],
}
CASH = {
    "title": "Consolidated Statements of Cash Flows",
    "unit": "(in millions of U.S. dollars)",
    "headers": [["Year Ended December 31,"], ["2023", "2022"]],
    "rows": [
        ["Net cash provided by operating activities", "9,214", "8,337"],
        ["Purchases of property, plant and equipment", "(2,106)", "(1,874)"],
        ["Dividends paid", "(1,540)", "(1,402)"],
        ["Repurchases of common stock", "(2,000)", "(1,250)"],
    ],
}
PROSE = {
    "rows": [["", ""]],
    "prose": (
        "Employees. Headcount was 12,400 employees at the end of 2023, compared with 11,850 a year earlier; most of "
        "the increase was in engineering.\n\nDividends. The Board declared a quarterly dividend of $0.62 per share in "
        "each quarter of 2023, and the company expects to keep paying quarterly dividends."
    ),
}
REGIONEN = {
    "title": "Umsatz nach Regionen",
    "unit": "in Tausend EUR",
    "headers": [["2023", "2022"]],
    "rows": [
        ["Deutschland", "13.115", "12.480"],
        ["Frankreich", "6.054", "6.230"],
        ["Italien", "4.512", "4.105"],
        ["Spanien", "3.606", "3.390"],
    ],
    "prose": "Lagebericht 2023. Der Umsatz stieg in drei von vier Regionen; Frankreich ging leicht zurück.",
}
RESULTAT = {
    "title": "Compte de résultat consolidé",
    "unit": "(en milliers d'euros)",
    "headers": [["2023", "2022"]],
    "rows": [
        ["Chiffre d'affaires", "84 560", "79 210"],
        ["Résultat d'exploitation", "10 148", "9 030"],
        ["Résultat net", "6 912", "6 100"],
    ],
    "prose": "Rapport annuel 2023. L'activité a progressé sur tous les marchés du groupe.",
}
FILLER = {
    "rows": [["", ""]],
    "prose": (
        "Forward-looking statements. This report contains statements about future events and expectations that "
        "involve risks and uncertainties; actual results may differ materially. We undertake no obligation to update "
        "them. Our business depends on demand from customers in many industries, on suppliers, and on general economic "
        "conditions."
    ),
}
REPORTS = {
    "annual-report.pdf": [FILLER, INCOME, BALANCE, CASH, PROSE],
    "lagebericht.pdf": [REGIONEN, FILLER],
    "rapport-annuel.pdf": [RESULTAT, FILLER],
}


def value(report: str, label: str, column: int) -> float:
    """The number in row `label`, value column `column` (0-based), of the report's tables."""
    for page in REPORTS[report]:
        for row in page["rows"]:
            if row[0] == label:
                text = row[1 + column].strip("()$ ")
                return float(
                    text.replace(",", "") if report == "annual-report.pdf" else text.replace(".", "").replace(" ", "")
                )
    raise KeyError(label)


@dataclass(frozen=True)
class Computed:
    id: str
    doc: str
    question: str
    expected: float | None  # None: the document cannot answer it
    percent: bool = False  # a percentage: its fraction is right too


def a(label: str, column: int) -> float:
    return value("annual-report.pdf", label, column)


def de(label: str, column: int) -> float:
    return value("lagebericht.pdf", label, column)


def fr(label: str, column: int) -> float:
    return value("rapport-annuel.pdf", label, column)


def pct(new: float, old: float) -> float:
    return (new - old) / old * 100


def _questions() -> list[Computed]:
    en = "annual-report.pdf"
    return [
        Computed(
            "gross-margin",
            en,
            "What was the gross margin in 2023?",
            a("Gross profit", 0) / a("Net sales", 0) * 100,
            True,
        ),
        Computed(
            "sales-growth",
            en,
            "By how much did net sales grow from 2022 to 2023, in percent?",
            pct(a("Net sales", 0), a("Net sales", 1)),
            True,
        ),
        Computed(
            "operating-margin",
            en,
            "What was the operating margin in 2022?",
            a("Operating income", 1) / a("Net sales", 1) * 100,
            True,
        ),
        Computed(
            "net-income-change",
            en,
            "What was the change in net income from 2021 to 2022, in millions?",
            a("Net income", 1) - a("Net income", 2),
        ),
        Computed(
            "opex-total",
            en,
            "What was the sum of research and development and selling, general and administrative expenses in 2023?",
            a("Research and development", 0) + a("Selling, general and administrative", 0),
        ),
        Computed(
            "net-income-average",
            en,
            "What was the average net income over 2021, 2022 and 2023?",
            (a("Net income", 0) + a("Net income", 1) + a("Net income", 2)) / 3,
        ),
        Computed(
            "rd-share",
            en,
            "What percentage of net sales was research and development in 2021?",
            a("Research and development", 2) / a("Net sales", 2) * 100,
            True,
        ),
        Computed(
            "current-ratio",
            en,
            "What was the current ratio at December 31, 2023?",
            a("Total current assets", 0) / a("Total current liabilities", 0),
        ),
        Computed(
            "quick-ratio",
            en,
            "What was the quick ratio in 2023: cash and cash equivalents, short-term "
            "investments and accounts receivable over current liabilities?",
            (a("Cash and cash equivalents", 0) + a("Short-term investments", 0) + a("Accounts receivable, net", 0))
            / a("Total current liabilities", 0),
        ),
        Computed(
            "debt-to-equity",
            en,
            "What was the ratio of long-term debt to shareholders' equity in 2022?",
            a("Long-term debt", 1) / a("Total shareholders' equity", 1),
        ),
        Computed(
            "inventory-increase",
            en,
            "By how much did inventories increase from 2022 to 2023?",
            a("Inventories", 0) - a("Inventories", 1),
        ),
        Computed(
            "working-capital",
            en,
            "What was working capital (current assets minus current liabilities) in 2023?",
            a("Total current assets", 0) - a("Total current liabilities", 0),
        ),
        Computed(
            "debt-decrease",
            en,
            "What was the percentage decrease in long-term debt from 2022 to 2023?",
            -pct(a("Long-term debt", 0), a("Long-term debt", 1)),
            True,
        ),
        Computed(
            "free-cash-flow",
            en,
            "What was free cash flow in 2023, operating cash flow minus purchases of property, plant and equipment?",
            a("Net cash provided by operating activities", 0) - a("Purchases of property, plant and equipment", 0),
        ),
        Computed(
            "shareholder-returns",
            en,
            "How much was returned to shareholders in 2022 in dividends and repurchases of common stock together?",
            a("Dividends paid", 1) + a("Repurchases of common stock", 1),
        ),
        Computed(
            "cash-flow-growth",
            en,
            "What was the growth rate of net cash provided by operating activities from 2022 to 2023?",
            pct(a("Net cash provided by operating activities", 0), a("Net cash provided by operating activities", 1)),
            True,
        ),
        Computed("headcount-growth", en, "By what percentage did headcount grow in 2023?", pct(12400, 11850), True),
        Computed("dividend-total", en, "What was the total dividend per share declared for 2023?", 0.62 * 4),
        Computed(
            "regionen-summe",
            "lagebericht.pdf",
            "Wie hoch war der Gesamtumsatz aller Regionen 2023?",
            sum(de(r, 0) for r in ("Deutschland", "Frankreich", "Italien", "Spanien")),
        ),
        Computed(
            "italien-wachstum",
            "lagebericht.pdf",
            "Um wie viel Prozent wuchs der Umsatz in Italien von 2022 auf 2023?",
            pct(de("Italien", 0), de("Italien", 1)),
            True,
        ),
        Computed(
            "regionen-durchschnitt",
            "lagebericht.pdf",
            "Wie hoch war der durchschnittliche Umsatz je Region 2022?",
            sum(de(r, 1) for r in ("Deutschland", "Frankreich", "Italien", "Spanien")) / 4,
        ),
        Computed(
            "marge-exploitation",
            "rapport-annuel.pdf",
            "Quelle est la marge d'exploitation en 2023 ?",
            fr("Résultat d'exploitation", 0) / fr("Chiffre d'affaires", 0) * 100,
            True,
        ),
        Computed(
            "croissance-ca",
            "rapport-annuel.pdf",
            "Quel est le taux de croissance du chiffre d'affaires entre 2022 et 2023 ?",
            pct(fr("Chiffre d'affaires", 0), fr("Chiffre d'affaires", 1)),
            True,
        ),
        Computed("goodwill-ratio", en, "What was the ratio of goodwill to total current assets in 2023?", None),
        Computed("margin-2019", en, "What was the gross margin in 2019?", None),
    ]


QUESTIONS = _questions()
NOTATIONS = {"annual-report.pdf": ENGLISH, "lagebericht.pdf": CONTINENTAL, "rapport-annuel.pdf": FRENCH}
RESULT = re.compile(r"=\s*(-?[\d][\d.,\u00a0\u202f ]*)\s*%?\s*$")


def reply_value(text: str, notation: Notation = ENGLISH) -> float | None:
    """The value a reply gives, read in its document's notation: after its last "=", else its last number."""
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    if found := RESULT.search(first_line):
        number = found.group(1).strip()
    elif numbers := NUMBER.findall(first_line):
        number = numbers[-1]
    else:
        return None
    try:
        return notation.value(number.lstrip("-")) * (-1 if number.startswith("-") else 1)
    except ValueError:
        return None


def is_right(question: Computed, text: str) -> bool:
    if question.expected is None:
        return "not found" in text.lower() or "does not say" in text.lower()
    got = reply_value(text, NOTATIONS[question.doc])
    if got is None:
        return False
    wanted = [question.expected, -question.expected] + ([question.expected / 100] if question.percent else [])
    return any(abs(got - w) <= 0.005 * abs(w) + 1e-9 for w in wanted)


def share(n: int, d: int) -> str:
    return f"{100 * n / d:.0f}% ({n}/{d})" if d else "-"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.computed")
    parser.add_argument("--name", default="computed")
    parser.add_argument("--fresh", action="store_true", help="ask every question again (default: resume)")
    parser.add_argument("--cache-dir", default=str(Path(tempfile.gettempdir()) / "longdoc-computed"))
    add_reader_options(parser)
    args = parser.parse_args(argv)
    from tests.retrieval.pdfs import statement_pdf

    folder = Path(args.cache_dir) / "pdfs"
    folder.mkdir(parents=True, exist_ok=True)
    for name, pages in REPORTS.items():
        (folder / name).write_bytes(statement_pdf(pages))
    agent = reader_agent(args, args.cache_dir)
    log = CellLog(DOCS / f"{args.name}.jsonl", ("id", "model"), fresh=args.fresh)
    model = args.model or "smollm2"
    for question in QUESTIONS:
        if log.done(id=question.id, model=model):
            continue
        reply = ask(agent, str(folder / question.doc), question.question, args.strategy)
        right = is_right(question, reply.text)
        filler = {n for n, page in enumerate(REPORTS[question.doc], 1) if page is FILLER}
        log.add(
            dict(
                id=question.id,
                model=model,
                doc=question.doc,
                expected=question.expected,
                text=reply.text,
                right=right,
                cited=right
                and (
                    not reply.cited_pages
                    if question.expected is None
                    else bool(reply.cited_pages) and not filler & set(reply.cited_pages)
                ),
                cited_pages=reply.cited_pages,
                seconds=round(reply.seconds, 1),
                error=reply.error,
            )
        )
    cells = [c for c in log.cells if c["model"] == model]
    answerable = [c for c in cells if c["expected"] is not None]
    refusals = [c for c in cells if c["expected"] is None]
    seconds = sorted(c["seconds"] for c in cells)
    rows = [
        [
            model,
            args.reader,
            share(sum(c["right"] for c in answerable), len(answerable)),
            share(sum(c["cited"] for c in answerable), len(answerable)),
            f"{sum(c['right'] for c in refusals)}/{len(refusals)}",
            f"{seconds[len(seconds) // 2]:.1f}" if seconds else "-",
        ]
    ]
    misses = "; ".join(f"{c['id']}: {c['text'][:80]!r}" for c in cells if not c["right"])
    write_table(
        args.name,
        "Computed answers over typeset statements (en, de, fr)",
        ["model", "reader", "value right", "right, cited", "unanswerable refused", "median s"],
        rows,
        notes="Questions and scoring: benchmarks/computed.py (the expected values computed from the tables). "
        f"Misses: {misses or 'none'}. Raw replies: {args.name}.jsonl.",
    )
    print(f"[computed] {rows[0]}", file=sys.stderr)


if __name__ == "__main__":
    main()
