"""PDF tables read from pypdf's layout text: rows with their label, column headers and cells.

pypdf's plain text gives a financial statement as one cell per line ("Inventories", "(509)",
"(387)", "57", ...): no row holds its numbers, nothing says which column is 2018. Its layout
text keeps the page's geometry: a row is a line, its cells are runs of characters separated by
wide gaps, and the column headers ("2018", "January 28, 2023", "Fiscal Year Ended" over
several columns) stand above the cells they name. Where the layout text reads the same words in
the same order as the plain text (one column of prose: nothing interleaved), the page is written
from it, each table as " | " rows under a header row that names every column; else plain text
keeps only the rows both texts agree on (`tables.mark_pdf_rows`), and prose set in columns is
left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from .tables import format_rows, mark_pdf_rows

GAP = re.compile(r"\S+(?: \S+)*")  # a cell: words joined by single spaces (columns are 2+ spaces apart)
# A value cell: a number as statements print them ((1,577), -0.4 %, 1.234,5, $ 5,363, 12.5x, 3a), or a dash for none.
VALUE = re.compile(
    r"[(\-−–]?\s*[$€£¥]?\s*[(\-−–]?\d[\d,.' ]*\)?\s*(?:%|x|pts?)?\)?\s*[*†‡]?\s*(?:\(\d\)|[a-z])?|[-−–—]+|n/?[am]\.?",
    re.I,
)
YEAR = re.compile(r"(?:FY\s?|fiscal\s)?(?:19|20)\d\d", re.I)
CURRENCY = re.compile(r"[$€£¥]|US\$|USD|EUR|Rs\.?|RMB", re.I)
MIN_ROWS = 3  # lines with values before a run of them is a table (2 under a header)
SAME_ORDER = 0.97  # share of words layout and plain text must agree on, in order, before layout is the page's text
MOST_COMPARED = 5_000  # words: a statement page holds about 1,000
LABEL_WORDS = 16  # a longer line without values is prose: it ends a table
HEADER_LINES = 4  # lines above a table's first row that may hold its column headers
HEADER_WORDS = 10  # a longer cell is prose, not a column's header ("(In millions, except per share data)": 6)


@dataclass(frozen=True)
class Cell:
    start: int  # columns in the layout line
    end: int
    text: str

    @property
    def centre(self) -> float:
        return (self.start + self.end) / 2


def cells(line: str) -> list[Cell]:
    """The line's cells; a currency sign standing alone joins the number after it."""
    out: list[Cell] = []
    for match in GAP.finditer(line):
        cell = Cell(match.start(), match.end(), match.group())
        if out and CURRENCY.fullmatch(out[-1].text):
            cell = Cell(out[-1].start, cell.end, out.pop().text + cell.text)
        out.append(cell)
    return out


def is_value(text: str) -> bool:
    return bool(VALUE.fullmatch(text.strip()))


def split_row(line: str) -> tuple[str, list[Cell]] | None:
    """(label, value cells) of a table row: cells after the first are all values, at least one.
    None when the line is not a row."""
    found = cells(line)
    if not found:
        return None
    label, values = ("", found) if is_value(found[0].text) else (found[0].text, found[1:])
    if not values or not all(is_value(c.text) for c in values):
        return None
    if len(values) >= 2 and all(YEAR.fullmatch(c.text) for c in values):
        return None  # "2018  2017  2016": the columns' headers
    if (
        not label
        and len(values) == 1
        and len(found) == 1
        and found[0].start > 0
        and not re.search(r"[,.]\d", values[0].text)
    ):
        return None  # a lone number set apart: a page number, not a row
    return label, values


def page_text(plain: str, layout: str) -> str:
    """The page's text with its tables as rows under their headers (see the module's note)."""
    if not layout or not layout.strip():
        return plain
    lines = layout.splitlines()
    found = find_tables(lines)
    if not found:  # nothing to write from the layout: the texts need no comparing
        return mark_pdf_rows(plain, layout)
    said, drawn = plain.split(), layout.split()
    # the same characters in the same order, however each text breaks its words ("incom\ne"); a
    # longer page is compared exactly only (matching word sequences grows with their product)
    if "".join(said) != "".join(drawn) and (len(said) > MOST_COMPARED or not _same_order(said, lines, found)):
        return mark_pdf_rows(plain, layout)
    tables = {table.first: table for table in found}
    out, i = [], 0
    while i < len(lines):
        if i in tables:
            table = tables[i]
            out.append(format_rows([table.header] + table.rows if table.header else table.rows))
            i = table.last + 1
            continue
        out.append(" ".join(lines[i].split()))
        i += 1
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")


def _same_order(said: list[str], lines: list[str], tables: list[Table]) -> bool:
    """Whether the layout `lines` read the plain text's words (`said`) in its order. Column
    headers stacked over several lines ("Three Months Ended" over "December 31,", twice) may be
    drawn one column after the other, and then the plain text reads them in another order than
    the layout's lines: the tables' header lines are left out of the comparison, their words
    taken out of `said` too (each at its first place)."""
    if _agreement(said, [word for line in lines for word in line.split()]) >= SAME_ORDER:
        return True
    header_lines = {i for table in tables if table.header for i in range(table.first, table.body)}
    drawn = [word for i, line in enumerate(lines) if i not in header_lines for word in line.split()]
    taken = Counter(word for i in header_lines for word in lines[i].split())
    kept = []
    for word in said:
        if taken[word] > 0:
            taken[word] -= 1
        else:
            kept.append(word)
    return _agreement(kept, drawn) >= SAME_ORDER


def _agreement(said: list[str], drawn: list[str]) -> float:
    from difflib import SequenceMatcher  # here: the parser's child imports under a memory limit

    return SequenceMatcher(None, said, drawn).ratio()


class Table(NamedTuple):
    first: int  # its first line in the layout text: the header's first, else the first row's
    last: int
    body: int  # the line its rows (and their section labels) start at: below the header
    header: list[str] | None
    rows: list[list[str]]


def find_tables(lines: list[str]) -> list[Table]:
    """Each table in layout `lines`."""
    found, i = [], 0
    while i < len(lines):
        if split_row(lines[i]) is None:
            i += 1
            continue
        end, members = _extent(lines, i)
        values = [split[1] for m in members if (split := split_row(lines[m]))]
        (anchors, centres), left_edge = _anchors(values), min(c.start for row in values for c in row) - 2
        members = _labels_above(lines, i, found[-1].last if found else -1) + members
        header_first, header = _header(lines, members[0], anchors, centres, left_edge)
        if len(values) < (MIN_ROWS if header is None else 2):  # a table's end on its next page: 2 rows under its header
            i = end + 1
            continue
        rows = [_row(lines[m], anchors) for m in members]
        found.append(Table(header_first if header else i, end, members[0], header, rows))
        i = end + 1
    return found


def _extent(lines: list[str], first: int) -> tuple[int, list[int]]:
    """(last line, member lines) of the table whose first row is `first`: rows, and short label
    lines ("Current assets") followed by more rows; blank lines between them."""
    members, last, i, pending = [first], first, first + 1, []
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if split_row(line) is not None:
            members += pending + [i]
            pending, last = [], i
        elif len(cells(line)) == 1 and len(line.split()) <= LABEL_WORDS and len(pending) < 2:
            pending.append(i)
        else:
            break
        i += 1
    return last, members


def _labels_above(lines: list[str], first_row: int, floor: int) -> list[int]:
    """The short label lines ("Assets", "Current assets") between a table's first row and its
    column headers: at most two, above line `floor` (the previous table's last)."""
    found, i = [], first_row - 1
    while i > floor and len(found) < 2:
        line = lines[i]
        if line.strip():
            if len(cells(line)) != 1 or len(line.split()) > LABEL_WORDS or len(line) - len(line.lstrip()) > 40:
                break
            found.insert(0, i)
        i -= 1
    return found


def _anchors(rows: list[list[Cell]]) -> tuple[list[float], list[float]]:
    """Right edges of the table's value columns (numbers align right) and the middles of their
    numbers (a currency sign set apart left of them not counted), from the rows holding the most
    common number of values."""
    width = Counter(len(values) for values in rows).most_common(1)[0][0]
    full = [values for values in rows if len(values) == width]
    middle = len(full) // 2
    anchors = [sorted(values[k].end for values in full)[middle] for k in range(width)]
    centres = [
        sorted(v[k].end - len(CURRENCY.sub("", v[k].text).strip()) / 2 for v in full)[middle] for k in range(width)
    ]
    return anchors, centres


def _column(anchors: list[float], cell: Cell) -> int:
    return min(range(len(anchors)), key=lambda k: abs(anchors[k] - cell.end))


def _row(line: str, anchors: list[float]) -> list[str]:
    """The line as [label, one cell per column]; a value goes to the column whose right edge is nearest."""
    split = split_row(line)
    label, values = split if split else (" ".join(line.split()), [])
    row = [label] + [""] * len(anchors)
    for cell in values:
        k = 1 + _column(anchors, cell)
        row[k] = f"{row[k]} {cell.text}".strip()
    return row


def _header(
    lines: list[str], first_row: int, anchors: list[float], centres: list[float], left_edge: int
) -> tuple[int, list[str] | None]:
    """(first header line, header row) above `first_row`: the lines (blank ones skipped) with
    cells right of `left_edge`, where the value columns start. A cell spanning several columns
    ("Fiscal Year Ended") heads each; what stands left of them names the label column ("(Millions)")."""
    taken, i = [], first_row - 1
    while i >= 0 and len(taken) < HEADER_LINES:
        line = lines[i]
        if line.strip():
            found = cells(line)
            if not any(c.end > left_edge for c in found) or split_row(line) is not None:
                break
            if any(len(c.text.split()) > HEADER_WORDS for c in found):
                break  # a sentence leading into the table ("... is as follows (in millions):")
            taken.insert(0, (i, found))
        i -= 1
    if not taken:
        return first_row, None
    header = [""] * (len(anchors) + 1)
    for _, found in taken:
        over = [cell for cell in found if cell.end > left_edge]
        header[0] = " ".join([header[0]] + [cell.text for cell in found if cell.end <= left_edge]).strip()
        if len(over) < len(anchors):  # fewer headers than columns: each heads the columns below its stretch
            # a heading's stretch runs to the middle of the gaps beside it ("Three Months Ended" over two
            # columns, "Six Months Ended" over the next two), a column is where its numbers' middle is
            bounds = [(a.end + b.start) / 2 for a, b in zip(over, over[1:])]
            owner = {k: over[sum(centres[k] > bound for bound in bounds)] for k in range(len(anchors))}
        else:
            owner = {}
            for cell in over:
                owner.setdefault(_column(anchors, cell), []).append(cell)
            owner = {k: Cell(0, 0, " ".join(c.text for c in group)) for k, group in owner.items()}
        for k, cell in owner.items():
            header[1 + k] = f"{header[1 + k]} {cell.text}".strip()
    return taken[0][0], header
