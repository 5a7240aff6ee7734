"""The values of a calculation checked against the table rows they stand in.

A small model names the right row and period more often than it copies the right cell: it lists
"Inventories, 2022: 2,774" (2023's cell), or divides 2023's debt by 2022's equity when 2022 was
asked. Where a value's row is found in a table of the passages, and its period is settled (the
one year a question names, else the period the model gave it, else its column), the value becomes
that row's cell in that period's column:

    "Inventories, 2022: 2,774"   -> 2,501 (row Inventories, column 2022)
    "7,450 / 10,415" of 2022     -> 7,900 / 10,415 (7,450 stands in row Long-term debt, column 2023)

A change or growth between the two years a question names, over values all found in one row,
takes that row's two cells. A value found in no table (a number in prose) stays as the model gave it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.tables import CELL_SEPARATOR, table_blocks, with_header

from .cells import YEAR, asked_years
from .notation import ENGLISH, NUMBER, Notation
from .operations import Value, operation

WORD = re.compile(r"[^\W\d_]+")
NAMED_OPERATION = re.compile(r"[^\W\d_]\)?\s[-+*/×÷]\s\(?[^\W\d_]")  # "profit / net": names joined by an operator
NAMED_TERMS = re.compile(r"(\s[-+*/×÷]\s|[()])")  # an operator between spaces ("long-term" is a word), a parenthesis
PARENTHESIS = re.compile(r"\([^()]*\)")
MIN_STEM = 4  # "receivable" finds "receivables"; shorter words must be equal


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[tuple[int | None, str], ...]  # (the column's year, the cell's number as written or "")

    def number_in(self, year: int) -> str | None:
        found = [number for period, number in self.cells if period == year and number]
        return found[0] if len(found) == 1 else None

    def period_of(self, number: str, notation: Notation) -> int | None:
        """The year of the one column whose cell holds `number`."""
        years = {period for period, cell in self.cells if cell and same_number(cell, number, notation)}
        return years.pop() if len(years) == 1 else None


def table_rows(passages) -> list[Row]:
    """Each row of the tables in `passages` whose header names periods, once (a passage starting
    below its table's header row carries it as .header)."""
    rows: dict = {}
    for passage in passages:
        text = with_header(passage.header, passage.text)
        for _, end, header, first in table_blocks(text):
            heads = header.split("\n")[-1].split(CELL_SEPARATOR)[1:]
            periods = [int(years[-1]) if (years := YEAR.findall(head)) else None for head in heads]
            if not any(periods):
                continue
            for line in text[first:end].split("\n"):
                label, *cells = line.split(CELL_SEPARATOR)
                if len(cells) == len(periods) and label.strip():
                    numbers = tuple(found.group() if (found := NUMBER.search(cell)) else "" for cell in cells)
                    row = Row(label.strip(), tuple(zip(periods, numbers)))
                    rows.setdefault((row.label, row.cells), row)
    return list(rows.values())


def grounded(question: str, values: list[Value], rows: list[Row], notation: Notation) -> list[Value]:
    """`values` with each number taken from its row's cell in its settled period (see above)."""
    years = sorted(int(y) for y in asked_years(question))
    between = operation(question) in ("growth", "change")
    out = []
    for value in values:
        row = _row_of(value, rows, notation)
        if row is None:
            out.append(value)
            continue
        period = years[0] if len(years) == 1 and not between else value.period or row.period_of(value.number, notation)
        number = row.number_in(period) if period is not None else None
        out.append(Value(row.label, number or value.number, period if number else value.period))
    labels = {v.label for v in out}
    if between and len(years) == 2 and len(labels) == 1 and (row := _named(labels.pop(), rows)):
        if (old := row.number_in(years[0])) and (new := row.number_in(years[1])):
            return [Value(row.label, old, years[0]), Value(row.label, new, years[1])]
    return out


def calculation_over_names(reply: str, question: str, rows: list[Row]) -> str | None:
    """A calculation the model wrote over row names ("gross profit / net sales * 100") with each
    name replaced by its row's cell in the one year the question names; None unless every name is
    a row and the year settles each cell."""
    years = asked_years(question)
    if len(years) != 1:
        return None
    for line in reply.splitlines():
        _, equals, formula = line.rpartition("=")
        if not equals or not NAMED_OPERATION.search(formula):
            continue
        pieces = NAMED_TERMS.split(formula)
        for k in range(0, len(pieces), 2):  # the terms, between their operators
            term = pieces[k].strip()
            if not term or NUMBER.fullmatch(term):
                continue
            row = _row_of(Value(term, "", None), rows, ENGLISH)
            number = row.number_in(int(next(iter(years)))) if row else None
            if number is None:
                return None
            pieces[k] = pieces[k].replace(term, number)
        return "".join(pieces).strip()
    return None


def numbers_as_values(numbers: list[str], rows: list[Row], notation: Notation) -> list[Value]:
    """Values of a bare calculation's numbers: each labelled by the one row holding it, dated by its column."""
    out = []
    for number in numbers:
        holding = [row for row in rows if row.period_of(number, notation) is not None]
        row = holding[0] if len(holding) == 1 else None
        out.append(Value(row.label if row else "", number, row.period_of(number, notation) if row else None))
    return out


def _row_of(value: Value, rows: list[Row], notation: Notation) -> Row | None:
    """The row the value's label names best (most of its words, the fewest others), else the one
    row holding its number."""
    words = _words(value.label)
    best, score = [], 0.0
    for row in rows:
        theirs = _words(row.label)
        shared = sum(any(_alike(a, b) for b in theirs) for a in words)
        if 2 * shared <= len(words):  # most of its words, or it names another row
            continue
        jaccard = shared / (len(words) + len(theirs) - shared)
        if jaccard > score:
            best, score = [row], jaccard
        elif jaccard == score:
            best.append(row)
    if len(best) == 1:
        return best[0]
    holding = [row for row in (best or rows) if row.period_of(value.number, notation) is not None]
    return holding[0] if len(holding) == 1 else None


def tables_named(question: str, passages) -> list:
    """The passages holding a table whose caption or some row is named by the question (most of
    its words are the question's)."""
    words = _words(question)

    def named(label: str) -> bool:
        theirs = _words(PARENTHESIS.sub(" ", label))  # "(in Tausend EUR)" is the unit, not the name
        return 2 * sum(any(_alike(a, b) for b in words) for a in theirs) > len(theirs)

    out = []
    for passage in passages:
        text = with_header(passage.header, passage.text)
        for _, end, header, first in table_blocks(text):
            labels = header.split("\n")[:-1] + [line.split(CELL_SEPARATOR)[0] for line in text[first:end].split("\n")]
            if any(named(label) for label in labels if label.strip()):
                out.append(passage)
                break
    return out


def one_cell_twice(named: list[Value], values: list[Value]) -> tuple[Value, Value] | None:
    """Two different values of the model that became one cell: it read along the wrong axis."""
    if len(named) != len(values):
        return None
    for i in range(len(values)):
        for j in range(i):
            if values[i] == values[j] and named[i].number != named[j].number:
                return named[j], named[i]
    return None


def _named(label: str, rows: list[Row]) -> Row | None:
    return next((row for row in rows if row.label == label), None)


def _words(label: str) -> list[str]:
    return [w for w in dict.fromkeys(WORD.findall(label.lower()))]


def _alike(a: str, b: str) -> bool:
    """The same word, inflected ("receivable", "receivables") or as a compound's head
    ("Umsatz", "Gesamtumsatz")."""
    short, long = sorted((a, b), key=len)
    return (
        a == b
        or (len(short) >= MIN_STEM and long.startswith(short))
        or (len(short) > MIN_STEM and long.endswith(short))
    )


def same_number(cell: str, number: str, notation: Notation) -> bool:
    try:
        return notation.value(cell) == notation.value(number)
    except ValueError:
        return False
