"""DOCX, PPTX, EPUB and HTML read into pages a citation can name (sections, slides, chapters),
tables as rows under their header, and every bad file a typed error."""

import io
import zipfile

import pytest

from retrieval import load_document
from retrieval.errors import CorruptDocumentError, EmptyDocumentError, ParseLimitError, UnsupportedDocumentError
from tests.retrieval.office import docx_file, epub_file, html_page, pptx_file

SECTIONS = [
    ("Introduction", ["The Lisbon office opened in 1998.", "It employs 42 people."]),
    ("Revenue", ["Revenue by region is shown below."]),
    ("Outlook", ["The company expects growth in Brazil."]),
]


def test_docx_sections_are_pages_and_tables_rows():
    document = load_document(docx_file(SECTIONS, table_after=1), filename="report.docx")
    assert document.kind == "docx"
    assert [p.label for p in document.pages] == ["Introduction", "Revenue", "Outlook"]
    assert "The Lisbon office opened in 1998." in document.pages[0].text
    revenue = document.pages[1].text
    assert "Region | Revenue (EUR m) | Growth\nLisbon | 2.3 | 14%\nPorto | 1.1 | -3%" in revenue


def test_pptx_slides_are_pages_with_notes_and_tables():
    deck = pptx_file(
        [("Agenda", "Results and outlook"), ("Results", "Revenue grew 14 percent in Lisbon")],
        notes={1: "Mention the Porto decline."},
        table_on=1,
    )
    document = load_document(deck, filename="deck.pptx")
    assert [p.label for p in document.pages] == ["1", "2"] and document.kind == "pptx"
    slide = document.pages[1].text
    assert slide.startswith("Results") and "Notes: Mention the Porto decline." in slide
    assert "Region | Revenue (EUR m) | Growth" in slide


def test_epub_chapters_are_pages():
    book = epub_file(
        [
            ("Chapter One", "It was a cold morning in Lisbon.\n\nThe ship was late."),
            ("Chapter Two", "By noon the harbour was full."),
        ]
    )
    document = load_document(book, filename="novel.epub")
    assert [p.label for p in document.pages] == ["Chapter One", "Chapter Two"] and document.kind == "epub"
    assert "The ship was late." in document.pages[0].text and "NOT TEXT" not in document.text


def test_html_main_content_only_in_sections():
    document = load_document(html_page([(h, " ".join(ps)) for h, ps in SECTIONS], table_in=1), filename="report.html")
    assert document.kind == "html" and [p.label for p in document.pages] == ["Introduction", "Revenue", "Outlook"]
    assert "Lisbon | 2.3 | 14%" in document.pages[1].text
    for boilerplate in ("IGNORE ME", "Jobs at the Lisbon office", "Copyright"):
        assert boilerplate not in document.text
    as_text = load_document("<!DOCTYPE html><html><body><p>Short page about Faro.</p></body></html>")
    assert as_text.kind == "html" and as_text.text == "Short page about Faro."


def test_bad_office_files_get_typed_errors():
    good = docx_file(SECTIONS)
    with pytest.raises(CorruptDocumentError):
        load_document(good[: len(good) // 2], filename="cut.docx")
    with pytest.raises(CorruptDocumentError):
        load_document(b"not a zip at all", filename="fake.docx")
    with pytest.raises(EmptyDocumentError):
        load_document(docx_file([]), filename="empty.docx")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w/>" + b" " * (300 << 20))
    with pytest.raises(ParseLimitError, match="zip bomb"):
        load_document(bomb.getvalue(), filename="bomb.docx")
    sheet = io.BytesIO()
    with zipfile.ZipFile(sheet, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(UnsupportedDocumentError, match="not a DOCX, PPTX or EPUB"):
        load_document(sheet.getvalue(), filename="book.xlsx")
    with pytest.raises(EmptyDocumentError):
        load_document(b"<html><body><nav>Home</nav><script>x()</script></body></html>", filename="nav.html")


def test_hostile_markup_is_read_as_data():
    entity = (
        '<!DOCTYPE package [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    book = epub_file([("One", "Plain words about &xxe; and &c;.")], extra_head=entity)
    assert load_document(book, filename="evil.epub").text == "One\n\nPlain words about &xxe; and &c;."  # never expanded
    chapter = (
        f'<?xml version="1.0"?>{entity.replace("package", "html")}<html><body><p>Words &xxe; &c;.</p></body></html>'
    )
    text = load_document(chapter.encode(), filename="evil.xhtml").text
    assert "root:" not in text and "aaaaaaaaaa" not in text and "&xxe;" in text
    deep = b"<html><body>" + b"<div>" * 100_000 + b"deep text" + b"</div>" * 100_000 + b"</body></html>"
    with pytest.raises(
        ParseLimitError, match="nests over 256"
    ):  # the parser drops what lies deeper: said, not "no text"
        load_document(deep, filename="deep.html")
