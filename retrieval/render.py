"""A PDF page as a picture with a quote highlighted, made in a child process bounded in memory and
time (pdfium renders what an untrusted file draws).

`page_picture(data, page, ...)` -> (PNG bytes, boxes drawn). The quote's boxes come from OCR line
boxes when the page was read by OCR, else from pdfium's text layer: each line of the quote is
searched on the page and its character rectangles framed.

The child is `retrieval.render_worker` (started as `retrieval.child` starts every worker).
"""

from __future__ import annotations

import json
import subprocess

from .child import last_line, run
from .errors import CorruptDocumentError, ParseLimitError

MIN_FRAGMENT = 12  # characters: shorter lines of a quote are searched only with their neighbours


def quote_fragments(quote: str) -> list[str]:
    """The quote's lines as pdfium's text layer holds them (a PDF breaks its lines itself)."""
    lines = [" ".join(line.split()) for line in quote.splitlines()]
    fragments, pending = [], ""
    for line in lines:
        pending = f"{pending} {line}".strip() if pending else line
        if len(pending) >= MIN_FRAGMENT:
            fragments.append(pending)
            pending = ""
    if pending:
        fragments.append(pending)
    return [f[:200] for f in fragments if f]


def page_picture(
    data: bytes,
    page: int,
    *,
    password: str = "",
    fragments: list[str] = (),
    boxes: list = (),
    scale: float = 1.5,
    timeout_s: float = 30.0,
    memory_bytes: int = 2 << 30,
) -> tuple[bytes, int]:
    """PNG of 1-based `page` with `boxes` ([x0, y0, x1, y1] fractions from the top left) or the
    text `fragments` found on it highlighted; and how many boxes were drawn."""
    settings = {"page": page - 1, "scale": scale, "fragments": list(fragments), "boxes": list(boxes)}
    try:
        done = run("render_worker", settings, memory_bytes, timeout_s, data, password)
    except subprocess.TimeoutExpired:
        raise ParseLimitError(f"drawing page {page} took longer than {timeout_s:g} s and was stopped") from None
    head, _, png = done.stdout.partition(b"\n")
    if done.returncode != 0 or not png.startswith(b"\x89PNG"):
        raise CorruptDocumentError(f"page {page} could not be drawn ({last_line(done.stderr, done.returncode)})")
    return png, int(json.loads(head)["boxes"])


def citation_picture(
    data: bytes, document, page: int, char_start: int, char_end: int, quote: str, password: str = ""
) -> tuple[bytes, int]:
    """The cited page of `document` (parsed from the PDF `data`) with the quote at document offsets
    [char_start, char_end) highlighted: by its OCR line boxes, else found in the text layer."""
    if lines := document.ocr_lines.get(page):
        offset = document.pages[page - 1].char_start
        boxes = [box for start, end, *box in lines if start < char_end - offset and char_start - offset < end]
        return page_picture(data, page, password=password, boxes=boxes)
    return page_picture(data, page, password=password, fragments=quote_fragments(quote))
