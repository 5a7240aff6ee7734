"""Tables in text: one row per line, cells joined by " | ", the header row first.

Readers of structured formats (DOCX, PPTX, EPUB, HTML) write tables this way, and so does the PDF
reader from pypdf's layout text (pdf_tables.py). The chunker and the evidence ranker find the
blocks again (`table_blocks`, page by page) so a piece of a table never travels without its
header and caption.
"""

from __future__ import annotations

import re

CELL_SEPARATOR = " | "
MIN_ROWS = 2  # a header and one row
CAPTION_LINES = 3  # a statement's name, whose it is, its period or unit
CAPTION_WORDS = 12
LAYOUT_GAP = re.compile(r"\s{3,}")  # columns in pypdf's layout text are runs of spaces


def format_rows(rows: list[list[str]]) -> str:
    """Rows of cells as text lines; cells lose their own line breaks and pipes."""
    lines = []
    for row in rows:
        cells = [" ".join(cell.replace("|", "/").split()) for cell in row]
        if any(cells):
            lines.append(CELL_SEPARATOR.join(cells))
    return "\n".join(lines)


def _cells(line: str) -> int:
    return line.count(CELL_SEPARATOR) + 1 if CELL_SEPARATOR in line else 0


def table_blocks(text: str) -> list[tuple[int, int, str, int]]:
    """(start, end, header, first row) of each run of at least MIN_ROWS consecutive lines with the
    same number (>= 2) of " | "-separated cells. The header is the run's first line under its
    caption: the short lines right above it ("Consolidated Statements of Cash Flows", "(in
    millions)"), which name what every row is part of."""
    blocks, run = [], []  # run: (start, end, cells) of consecutive row lines
    for match in re.finditer(r"[^\n]*", text):
        if match.start() > 0 and text[match.start() - 1] != "\n":
            continue  # finditer's empty match after each line
        cells = _cells(match.group())
        if cells >= 2 and (not run or run[-1][2] == cells):
            run.append((match.start(), match.end(), cells))
            continue
        if len(run) >= MIN_ROWS:
            blocks.append(_block(text, run))
        run = [(match.start(), match.end(), cells)] if cells >= 2 else []
    if len(run) >= MIN_ROWS:
        blocks.append(_block(text, run))
    return blocks


def page_blocks(pages) -> list[tuple[int, int, str, int]]:
    """`table_blocks` of each page (objects with .text and .char_start), in document offsets: a
    caption never reaches back onto the page before."""
    return [
        (a + p.char_start, b + p.char_start, header, row + p.char_start)
        for p in pages
        for a, b, header, row in table_blocks(p.text)
    ]


def _block(text: str, run: list[tuple[int, int, int]]) -> tuple[int, int, str, int]:
    start, first_row = run[0][0], run[0][1]
    caption = caption_above(text, start)
    return start, run[-1][1], with_header(caption, text[start:first_row]), first_row


def caption_above(text: str, offset: int) -> str:
    """The caption of a table starting at `offset`: up to CAPTION_LINES short lines right above it
    (one blank line between them at most), none a row or a sentence's end."""
    lines, blanks = [], 0
    for line in reversed(text[:offset].split("\n")[-(2 * CAPTION_LINES + 3) : -1]):  # [-1]: "" (offset starts a line)
        if not line.strip():
            blanks += 1
            if blanks > 1:
                break
            continue
        blanks = 0
        words = line.split()
        if CELL_SEPARATOR in line or len(words) > CAPTION_WORDS or line.rstrip().endswith((".", "!", "?", ";")):
            break
        lines.insert(0, " ".join(words))
        if len(lines) == CAPTION_LINES:
            break
    return "\n".join(lines)


def with_header(header: str, text: str) -> str:
    """A table row (or rows) as read and searched: under its header row."""
    return f"{header}\n{text}" if header else text


def header_at(blocks: list[tuple[int, int, str, int]], offset: int) -> str:
    """The header (with its caption) of the table holding `offset` below its first line, else ""."""
    for _start, end, header, first_row in blocks:
        if first_row < offset < end:
            return header
    return ""


def mark_pdf_rows(plain: str, layout: str) -> str:
    """`plain` with its table rows written as cells. Rows are runs of 3+ non-blank lines of
    pypdf's layout text that split into the same number (>= 2) of space-separated columns; a row
    is marked only where its words, joined by single spaces, are a line of the plain text, so
    prose set in two columns (never such a line) is left alone."""
    rows = [[c for c in LAYOUT_GAP.split(line.strip()) if c] for line in layout.splitlines() if line.strip()]
    found, i = {}, 0
    while i < len(rows):
        j = i + 1
        while j < len(rows) and len(rows[j]) == len(rows[i]):
            j += 1
        if len(rows[i]) >= 2 and j - i >= 3:
            found.update({" ".join(" ".join(cells).split()): CELL_SEPARATOR.join(cells) for cells in rows[i:j]})
        i = j
    if not found:
        return plain
    return "\n".join(found.get(" ".join(line.split()), line) for line in plain.split("\n"))


def may_hold_a_table(text: str) -> bool:
    """Cheap test before paying for a layout pass: 3+ short lines in a row holding digits (lines
    without a letter or digit between them ignored)."""
    streak = 0
    for line in text.splitlines():
        if not any(c.isalnum() for c in line):
            continue  # blank, or a lone "$": pypdf writes each cell of a statement on its own line
        streak = streak + 1 if any(c.isdigit() for c in line) and len(line.split()) <= 16 else 0
        if streak >= 3:
            return True
    return False
