"""Draw a PDF page with a quote highlighted, in a child process bounded in memory and time
(pdfium renders what an untrusted file draws): `retrieval.render.page_picture` starts it.

Settings: {"page": 0-based, "scale", "fragments": the quote's lines, "boxes": OCR line boxes or
[]}; stdin the password and the PDF (`retrieval.child`); stdout one JSON line {"boxes": n} then the PNG.
"""

from __future__ import annotations

import json
import sys

from retrieval.child import bounded, read_payload

HIGHLIGHT = (255, 214, 0, 90)  # translucent yellow
OUTLINE = (230, 120, 0, 255)


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
    _, settings = bounded()
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
