"""A cited PDF page drawn with its quote highlighted, from the text layer or from OCR boxes, in a
bounded child process."""

import io

import pytest
from PIL import Image

from retrieval import load_document
from retrieval.errors import CorruptDocumentError
from retrieval.ocr import ocr_available
from retrieval.render import citation_picture, quote_fragments
from tests.retrieval.pdfs import scanned_pdf, text_pdf

PAGES = [
    "An opening page about the harbour ledger.",
    "The harbour ledger records cargo of salt and cloth.\n\nThe secret access code for the Lisbon office is 58213.",
]


def highlighted_rows(png: bytes) -> list[int]:
    """Rows of the picture holding the highlight's yellow."""
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = picture.size
    pixels = picture.load()
    return [y for y in range(height) if any(pixels[x, y][2] < 150 < pixels[x, y][1] for x in range(0, width, 3))]


def cite(document, needle: str):
    start = document.text.index(needle)
    return dict(page=document.page_at(start).number, char_start=start, char_end=start + len(needle), quote=needle)


def test_a_quote_is_highlighted_where_it_stands_on_the_page():
    data = text_pdf(PAGES)
    document = load_document(data, filename="ledger.pdf")
    png, boxes = citation_picture(
        data, document, **cite(document, "The secret access code for the Lisbon office is 58213.")
    )
    rows = highlighted_rows(png)
    assert boxes >= 1 and rows and max(rows) < Image.open(io.BytesIO(png)).size[1] // 3  # near the top, where it is
    other, _ = citation_picture(data, document, **cite(document, "The harbour ledger records cargo"))
    assert min(highlighted_rows(other)) < min(rows)  # the first line is above the quote of the second paragraph


@pytest.mark.skipif(not ocr_available(), reason="needs OCR")
def test_an_ocr_quote_is_highlighted_from_its_line_boxes():
    data = scanned_pdf(PAGES)
    document = load_document(data, filename="scan.pdf")
    png, boxes = citation_picture(data, document, **cite(document, "58213"))
    assert boxes == 1 and highlighted_rows(png)


def test_fragments_follow_the_lines_and_a_bad_file_is_a_typed_error():
    assert quote_fragments("The secret access\ncode is 58213.") == ["The secret access", "code is 58213."]
    assert quote_fragments("a\nb\nlonger line here") == ["a b longer line here"]
    document = load_document(text_pdf(PAGES), filename="ledger.pdf")
    with pytest.raises(CorruptDocumentError):
        citation_picture(b"%PDF-1.7 broken", document, **cite(document, "58213"))
