"""A table cell as the answer: the row the evidence chose, the column the question names.

A question naming a period ("in FY2018", "for the fiscal year ending January 28, 2023", "2017")
asked of a table whose columns are periods gets that column's cell, with the table's unit from
its caption ("in millions") and the column's header: "(1,373) (millions; Year Ended December 31,
2017)". When the columns are periods and none is the one asked, the table does not answer (the
nearest column is another year's value). Questions naming no period, or tables whose columns
are not periods, keep the whole row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.tables import CELL_SEPARATOR

YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
# "fiscal 2023", "FY2023", "FY 23": the year a question names (two digits: this century)
ASKED_YEAR = re.compile(
    r"(?<![\w.,])(?:fy|fiscal(?: year)?|gj|ejercicio|exercice)?\s?'?((?:19|20)\d\d|(?<=fy)\d\d|(?<=fy"
    r" )\d\d)(?![\w,.]\d)",
    re.I,
)
SCALE = re.compile(
    r"\b(thousands|millions|billions|tausend|millionen|milliarden|milliers|millones|miles|milliards)\b", re.I
)


@dataclass(frozen=True)
class Cell:
    value: str
    column: str
    unit: str

    def lead(self) -> str:
        """The answer's first line: the value, then what it is counted in and which column."""
        said = "; ".join(part for part in (self.unit, self.column) if part)
        return f"{self.value} ({said})" if said else self.value


NO_SUCH_PERIOD = Cell("", "", "")  # the columns are periods, none the one asked


def asked_years(question: str) -> set[str]:
    return {y if len(y) == 4 else f"20{y}" for y in ASKED_YEAR.findall(question)}


def cell(question: str, header: str, row: str) -> Cell | None:
    """The cell of `row` (a " | " line) in the column of `header` (caption lines, then the header
    row) that the question's period names; NO_SUCH_PERIOD; or None (keep the row)."""
    years = asked_years(question)
    *caption, columns = header.split("\n")
    heads, cells = columns.split(CELL_SEPARATOR)[1:], row.split(CELL_SEPARATOR)[1:]
    if not years or len(heads) != len(cells):
        return None
    held = [set(YEAR.findall(head)) for head in heads]
    if not any(held):
        return None  # the columns are not periods
    matching = [k for k, found in enumerate(held) if years & found]
    if not matching:
        return NO_SUCH_PERIOD
    if len(matching) != 1 or not cells[matching[0]].strip():
        return None
    k = matching[0]
    scale = SCALE.search(" ".join(caption + [columns.split(CELL_SEPARATOR)[0]]))
    return Cell(cells[k].strip(), heads[k].strip(), scale.group(1).lower() if scale else "")


def picked(question: str, sentences: list) -> tuple[list, str]:
    """(the sentences to quote, the answer's first line) for an answer of `sentences`
    (evidence.Sentence): one table row gives the cell the question's period names first; a row
    of a table lacking that period is no answer ([]); anything else is quoted as it is."""
    if len(sentences) != 1 or not sentences[0].header:
        return sentences, ""
    found = cell(question, sentences[0].header, sentences[0].text)
    if found is NO_SUCH_PERIOD:
        return [], ""
    return sentences, found.lead() if found else ""
