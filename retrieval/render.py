"""A PDF page as a picture with a quote highlighted, made in a child process bounded in memory and
time (pdfium renders what an untrusted file draws).

`page_picture(data, page, ...)` -> (PNG bytes, boxes drawn). The quote's boxes come from OCR line
boxes when the page was read by OCR, else from pdfium's text layer: each line of the quote is
searched on the page and its character rectangles framed.

Child protocol: `python -m retrieval.render MEMORY_BYTES CPU_SECONDS SETTINGS_JSON`, stdin the
password and the PDF (`retrieval.child`); stdout one JSON line {"boxes": n} then the PNG.
"""

from __future__ import annotations

import json
import subprocess
import sys

from .child import PACKAGE_ROOT, last_line, limit, payload, read_payload
from .errors import CorruptDocumentError, ParseLimitError

HIGHLIGHT = (255, 214, 0, 90)  # translucent yellow
OUTLINE = (230, 120, 0, 255)
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
    settings = json.dumps({"page": page - 1, "scale": scale, "fragments": list(fragments), "boxes": list(boxes)})
    try:
        done = subprocess.run(
            [sys.executable, "-m", "retrieval.render", str(memory_bytes), str(int(timeout_s) + 1), settings],
            input=payload(data, password),
            capture_output=True,
            timeout=timeout_s,
            cwd=PACKAGE_ROOT,
        )
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


def _text_boxes(page, fragments, width: float, height: float) -> list:
    """Boxes (fractions from the top left) of each fragment's first match on the page."""
    textpage = page.get_textpage()
    found = []
    for fragment in fragments:
        searcher = textpage.search(fragment, match_case=False)
        match = searcher.get_next()
        if match is None:
            continue
        index, count = match
        for i in range(textpage.count_rects(index, count)):
            left, bottom, right, top = textpage.get_rect(i)
            found.append([left / width, 1 - top / height, right / width, 1 - bottom / height])
    return found


def main() -> None:
    limit(int(sys.argv[1]), int(sys.argv[2]))
    settings = json.loads(sys.argv[3])
    password, data = read_payload()
    import io

    import pypdfium2
    from PIL import Image, ImageDraw

    page = pypdfium2.PdfDocument(data, password=password or None)[settings["page"]]
    width, height = page.get_size()
    boxes = settings["boxes"] or _text_boxes(page, settings["fragments"], width, height)
    picture = page.render(scale=settings["scale"]).to_pil().convert("RGBA")
    layer = Image.new("RGBA", picture.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    w, h = picture.size
    for x0, y0, x1, y1 in boxes:
        draw.rectangle([x0 * w - 2, y0 * h - 2, x1 * w + 2, y1 * h + 2], fill=HIGHLIGHT, outline=OUTLINE, width=2)
    out = io.BytesIO()
    Image.alpha_composite(picture, layer).convert("RGB").save(out, format="PNG")
    sys.stdout.buffer.write(json.dumps({"boxes": len(boxes)}).encode() + b"\n" + out.getvalue())


if __name__ == "__main__":
    main()
