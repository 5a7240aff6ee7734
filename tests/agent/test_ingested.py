"""The agent over every kind of document a user has: a scanned 50-page PDF read by OCR, DOCX,
HTML, EPUB and PPTX, each answered with a citation on the right page (section, chapter, slide),
tables read with their header. The reader is extractive (the document's own sentences, ranked by
the real BM25 index), so the answer and its page are the ingestion's doing."""

import pytest

from agent import Agent
from retrieval import load_document
from retrieval.ocr import OCRLimits, ocr_available
from tests.agent.scripted import ScriptedBackend
from tests.retrieval.office import docx_file, epub_file, html_page, pptx_file
from tests.retrieval.pdfs import scanned_pdf

QUESTION = "What is the secret access code for the Lisbon office?"
FACT = "The secret access code for the Lisbon office is 58213."


def ask(document, question=QUESTION):
    return Agent(ScriptedBackend("unused"), embedder=None, reader="extractive").ask(document, question)


def filler(n: int) -> str:
    return (
        f"Part {n}. The harbour ledger records cargo of salt, cloth and copper for the season of {1700 + n}. "
        "Clerks counted barrels at dawn and again at dusk, and the tallies went to the customs house."
    )


@pytest.mark.slow
@pytest.mark.skipif(not ocr_available(), reason="needs rapidocr, onnxruntime and pypdfium2")
def test_a_scanned_fifty_page_pdf_is_answered_with_its_page():
    pages = [filler(n) for n in range(1, 51)]
    pages[36] += f"\n\n{FACT}"
    # read at 108 dpi (OCRLimits.scale 1.5), not 144: 11-pt text is still read whole, and CI stays in its time
    document = load_document(scanned_pdf(pages, scale=1.5), filename="scanned-ledger.pdf", ocr=OCRLimits(scale=1.5))
    assert len(document.pages) == 50 and any("50 page(s) read by OCR" in w for w in document.warnings)
    answer = ask(document)
    assert "58213" in answer.text and answer.supported
    assert [c.page for c in answer.citations] == [37]


@pytest.mark.parametrize("kind", ["docx", "html", "epub", "pptx"])
def test_office_and_web_documents_are_answered_with_their_section(kind):
    parts = [(f"Part {n}", filler(n)) for n in range(1, 7)]
    parts[4] = ("Offices", f"{filler(5)} {FACT}")
    data = {
        "docx": lambda: docx_file([(h, [t]) for h, t in parts]),
        "html": lambda: html_page(parts),
        "epub": lambda: epub_file(parts),
        "pptx": lambda: pptx_file(parts),
    }[kind]()
    document = load_document(data, filename=f"report.{kind}")
    answer = ask(document)
    assert "58213" in answer.text and answer.supported
    [citation] = answer.citations
    assert citation.page == 5 and citation.page_label == ("5" if kind == "pptx" else "Offices")


@pytest.mark.parametrize("kind", ["docx", "html"])
def test_a_table_row_is_answered_under_its_header(kind):
    sections = [
        ("Introduction", [filler(1)]),
        ("Revenue", ["Revenue by region is shown below."]),
        ("Outlook", [filler(2)]),
    ]
    data = (
        docx_file(sections, table_after=1)
        if kind == "docx"
        else html_page([(h, " ".join(t)) for h, t in sections], table_in=1)
    )
    answer = ask(load_document(data, filename=f"report.{kind}"), "What was the growth of the Porto region?")
    assert "Porto | 1.1 | -3%" in answer.text and answer.text.startswith("Region | Revenue (EUR m) | Growth")
    assert answer.citations[0].page == 2
