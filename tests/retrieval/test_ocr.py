"""Scanned PDFs read by OCR (RapidOCR on onnxruntime, offline): page numbers and citations as for
native text, boxes to show a quote on the page, a page budget and a time limit with clear errors,
and text layers of glyph names flagged and read again."""

from pathlib import Path

import pytest

from retrieval import load_document
from retrieval.errors import ParseLimitError, ScannedPDFError
from retrieval.garbage import garbage_share, is_garbage
from retrieval.ocr import OCRLimits, ocr_available
from tests.retrieval.pdfs import image_only_pdf, scanned_pdf

pytestmark = pytest.mark.skipif(not ocr_available(), reason="needs rapidocr, onnxruntime and pypdfium2")

PAGES = [
    "The Lisbon office opened in 1998.\n\nIts access code is 58213 and it employs 42 people.",
    "The Porto warehouse stores spare parts for the northern region.",
    "Revenue grew by 14 percent in 2024, mostly from exports to Brazil.",
]
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def test_a_scanned_pdf_is_read_page_by_page():
    stages = []
    document = load_document(scanned_pdf(PAGES), filename="scan.pdf", progress=lambda *a: stages.append(a))
    assert [p.number for p in document.pages] == [1, 2, 3]
    assert "58213" in document.pages[0].text and "Porto warehouse" in document.pages[1].text
    assert "14 percent" in document.pages[2].text
    assert stages[-1] == ("ocr", 1.0) and len(stages) == 3  # progress per page
    assert any("3 page(s) read by OCR" in w for w in document.warnings)
    for number, lines in document.ocr_lines.items():  # each line's box frames its text on the page
        page = document.pages[number - 1]
        for start, end, x0, y0, x1, y1 in lines:
            assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 and page.text[start:end].strip()
    code = document.pages[0].text.index("58213")
    assert any(start <= code < end for start, end, *_ in document.ocr_lines[1])


def test_chinese_is_read_too():
    if not CJK_FONT.is_file():
        pytest.skip("needs a CJK font to make the scan (Debian: fonts-wqy-microhei)")
    text = "里斯本办事处成立于1998年。\n\n该办事处共有四十二名员工。"
    document = load_document(scanned_pdf([text], font=str(CJK_FONT), size=14), filename="scan-zh.pdf")
    assert "里斯本办事处" in document.text and "1998" in document.text


def test_without_ocr_a_scan_says_so():
    with pytest.raises(ScannedPDFError, match="rapidocr"):
        load_document(scanned_pdf(PAGES[:1]), filename="scan.pdf", ocr=OCRLimits(enabled=False))
    with pytest.raises(ScannedPDFError, match="OCR found no text"):  # a picture with no words in reach
        load_document(image_only_pdf(1), filename="scan.pdf")


def test_the_page_budget_and_the_time_limit_are_clear_errors():
    budget = load_document(scanned_pdf(PAGES[:2]), filename="scan.pdf", ocr=OCRLimits(max_pages=1))
    assert "58213" in budget.pages[0].text and budget.pages[1].text == ""
    assert any("over the OCR budget of 1 pages" in w for w in budget.warnings)
    with pytest.raises(ParseLimitError, match="need OCR and were not read.*budget of 0 pages"):
        load_document(scanned_pdf(PAGES[:1]), filename="scan.pdf", ocr=OCRLimits(max_pages=0))
    with pytest.raises(ParseLimitError, match="time limit of 0.5 s"):
        load_document(scanned_pdf(PAGES[:1]), filename="scan.pdf", ocr=OCRLimits(timeout_s=0.5))


def test_a_text_layer_of_glyph_names_is_flagged_and_read_again():
    glyphs = "/g18/g152/g73/g9/g201/g44/g18/g3/g77/g90 " * 20
    assert is_garbage(glyphs) and garbage_share("An ordinary sentence with /usr/bin in it.") < 0.3
    assert is_garbage("\ufffd\ufffd\ufffd text \ue001\ue002\ue003\ue004")
    document = load_document(scanned_pdf(PAGES[:1], text_layer=[glyphs]), filename="journal.pdf")
    assert "58213" in document.text and "/g18" not in document.text
    with pytest.raises(ScannedPDFError, match="glyph names"):
        load_document(scanned_pdf(PAGES[:1], text_layer=[glyphs]), filename="journal.pdf", ocr=OCRLimits(enabled=False))
