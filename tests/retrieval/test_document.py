import hashlib

import pytest

from retrieval import (
    CorruptPDFError,
    DocumentNotFoundError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncodingDetectionError,
    EncryptedPDFError,
    ParseLimitError,
    PDFLimits,
    ScannedPDFError,
    UnsupportedDocumentError,
    load_document,
)
from retrieval import document as document_module

from .pdfs import image_only_pdf, rewrite, text_pdf

PAGES = [
    "Preface. This handbook describes the canal locks of Ravensholm.",
    "Contents. Locks, gates, keepers.",
    "Chapter one. The upper lock lifts barges by 4.2 metres.",
    "Chapter two. The lock keeper Ingrid Soames opens the gates at dawn.",
]


def test_text_markdown_and_bytes_sources(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# Title\n\nSome *Markdown* text.\n", encoding="utf-8")
    from_path = load_document(path)
    assert from_path.kind == "markdown" and from_path.name == "notes.md"
    assert from_path.text == "# Title\n\nSome *Markdown* text.\n"
    assert from_path.id == hashlib.sha256(path.read_bytes()).hexdigest()
    from_bytes = load_document(path.read_bytes(), filename="notes.md")
    from_text = load_document(path.read_text(encoding="utf-8"), filename="notes.md")
    assert from_bytes.id == from_text.id == from_path.id
    assert load_document(str(path)).text == from_path.text  # a str that is a path is read as a path
    [page] = from_path.pages
    assert (page.number, page.label, page.text, page.char_start, page.char_end) == (
        1,
        "1",
        from_path.text,
        0,
        len(from_path.text),
    )


def test_form_feeds_are_pages_and_crlf_is_normalized():
    document = load_document("first page\r\nline two\fsecond page\fthird")
    assert [p.text for p in document.pages] == ["first page\nline two", "second page", "third"]
    for page in document.pages:
        assert document.text[page.char_start : page.char_end] == page.text
    assert document.page_at(document.text.index("second")).number == 2


@pytest.mark.parametrize(
    "text, encoding",
    [
        ("Café crème, naïve façade, déjà vu: the menu of the Brasserie Lefèvre.", "cp1252"),
        ("Füße, Größe und Übermaß: die Straße am Weißensee ist gesperrt.", "latin-1"),
        ("東京の会議は午後三時に始まります。資料を持ってきてください。", "shift_jis"),
        ("北京的会议在下午三点开始。请带上所有的资料和笔记本电脑。", "gb18030"),
        ("Съешь же ещё этих мягких французских булок, да выпей чаю.", "koi8-r"),
        ("Unicode with a byte-order mark: ünïcödé ✓", "utf-16"),
    ],
)
def test_common_encodings_are_detected(text, encoding):
    document = load_document(text.encode(encoding), filename="note.txt")
    assert document.text == text
    assert document.encoding


def test_undecodable_binary_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises((UnsupportedDocumentError, EncodingDetectionError)) as error:
        load_document(path)
    assert "blob.bin" in str(error.value)


@pytest.mark.parametrize("magic, what", [(b"\x89PNG\r\n\x1a\n", "PNG"), (b"PK\x03\x04", "ZIP")])
def test_other_file_types_are_unsupported(magic, what):
    with pytest.raises(UnsupportedDocumentError, match=what):
        load_document(magic + b"\x00" * 100, filename="upload")


def test_empty_missing_and_oversized(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b" \n\t\n")
    for name in ("empty.txt", "blank.txt"):
        with pytest.raises(EmptyDocumentError, match="nothing to read"):
            load_document(tmp_path / name)
    with pytest.raises(DocumentNotFoundError):
        load_document(tmp_path / "missing.pdf")
    with pytest.raises(DocumentNotFoundError):
        load_document("missing-report.pdf")  # looks like a path: not taken as the text "missing-report.pdf"
    assert load_document("The answer is in section 3.2").text == "The answer is in section 3.2"  # one line of text
    (tmp_path / "big.txt").write_text("word " * 1000)
    with pytest.raises(DocumentTooLargeError, match="limit"):
        load_document(tmp_path / "big.txt", max_bytes=1000)
    with pytest.raises(DocumentTooLargeError):
        load_document(b"x" * 2000, max_bytes=1000)


def test_pdf_pages_numbers_and_labels():
    data = rewrite(text_pdf(PAGES), roman_front_pages=2)
    document = load_document(data, filename="handbook.pdf")
    assert document.kind == "pdf"
    assert [(p.number, p.label) for p in document.pages] == [(1, "i"), (2, "ii"), (3, "1"), (4, "2")]
    assert "Ingrid Soames" in document.pages[3].text
    for page in document.pages:
        assert document.text[page.char_start : page.char_end] == page.text
    assert document.page_at(document.text.index("4.2 metres")).label == "1"


def test_encrypted_pdfs():
    plain = text_pdf(PAGES)
    # An empty user password (owner password only) must open without asking.
    opened = load_document(rewrite(plain, user_password="", owner_password="owner-secret"), filename="open.pdf")
    assert "Ingrid Soames" in opened.text
    locked = rewrite(plain, user_password="s3cret")
    with pytest.raises(EncryptedPDFError, match="password"):
        load_document(locked, filename="locked.pdf")
    with pytest.raises(EncryptedPDFError, match="wrong"):
        load_document(locked, filename="locked.pdf", password="guess")
    assert "Ingrid Soames" in load_document(locked, filename="locked.pdf", password="s3cret").text
    rc4 = rewrite(plain, user_password="s3cret", algorithm="RC4-128")
    assert "Ingrid Soames" in load_document(rc4, filename="rc4.pdf", password="s3cret").text


def test_corrupt_pdfs():
    with pytest.raises(CorruptPDFError, match="damaged"):
        load_document(b"%PDF-1.7\n" + b"\x13\x37garbage " * 200, filename="broken.pdf")
    with pytest.raises(CorruptPDFError):
        load_document(b"this is not a pdf at all", filename="fake.pdf")  # .pdf name, no PDF inside


def test_scanned_pdf_says_ocr():
    with pytest.raises(ScannedPDFError, match="OCR"):
        load_document(image_only_pdf(), filename="scan.pdf")


def test_partly_scanned_pdf_loads_with_a_warning():
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in (text_pdf(PAGES[:2]), image_only_pdf(1)):
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    document = load_document(out.getvalue(), filename="mixed.pdf")
    assert len(document.pages) == 3 and document.pages[2].text == ""
    assert document.warnings == ["page(s) without extractable text: 1 are images (page 3: OCR found no text on it)"]


def test_pdf_parsing_is_bounded():
    data = text_pdf(PAGES * 20)
    with pytest.raises(ParseLimitError, match="longer than"):
        load_document(data, filename="slow.pdf", pdf_limits=PDFLimits(timeout_s=0.05))
    with pytest.raises(ParseLimitError, match="MiB"):
        load_document(data, filename="big.pdf", pdf_limits=PDFLimits(memory_bytes=64 << 20))


def test_a_pdf_with_an_object_of_many_entries_is_read_within_limits():
    # pypdf alone refuses past 100,000 entries; the worker's memory and time limits bound it instead
    data = rewrite(text_pdf(PAGES), catalog_array=150_000)
    assert load_document(data, filename="big-array.pdf").pages[0].text.strip()
    with pytest.raises(ParseLimitError, match="too large to read"):
        load_document(data, filename="big-array.pdf", pdf_limits=PDFLimits(object_elements=100_000))


def test_cache_by_content_hash(tmp_path, monkeypatch):
    data = text_pdf(PAGES)
    first = load_document(data, filename="a.pdf", cache_dir=tmp_path)
    [cached] = tmp_path.glob("document-*.json")

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again despite the cache")

    monkeypatch.setattr(document_module, "extract_pdf", no_parsing)
    again = load_document(data, filename="b.pdf", cache_dir=tmp_path)
    assert (again.text, again.pages, again.id) == (first.text, first.pages, first.id)
    assert again.name == "b.pdf"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left
    with pytest.raises(AssertionError, match="parsed again"):  # a wrong password is a different key
        load_document(data, filename="a.pdf", cache_dir=tmp_path, password="other")
