"""Every parser is bounded: DOCX, PPTX, EPUB and HTML are read in a child process (time,
memory, markup size), text is read no further than its limit and cleaned within a time limit,
and parser processes are capped machine-wide."""

import io
import threading
import time
import zipfile

import pytest

from retrieval import child, load_document
from retrieval.document import _clean_in_blocks
from retrieval.errors import DocumentTooLargeError, EmptyDocumentError, ParseLimitError
from retrieval.formats import FormatLimits

from ..retrieval.office import docx_file
from .bounds import run_bounded


def markup_docx(megabytes: int, numbered: bool = False) -> bytes:
    """A DOCX whose document.xml is `megabytes` of paragraphs (a 2.4 MB file of 160 MB passed before);
    `numbered`: each paragraph different, so the file compresses like a real one (about 30x)."""
    paragraph = b"<w:p><w:r><w:t>The river rose in spring and the mills stopped for a week.</w:t></w:r></w:p>"
    count = megabytes * 2**20 // len(paragraph)
    if numbered:
        body = b"".join(
            b"<w:p><w:r><w:t>Paragraph %d: the river rose %d cm in spring %d.</w:t></w:r></w:p>"
            % (n, n * 7919 % 1000, 1800 + n % 200)
            for n in range(count)
        )
    else:
        body = paragraph * count
    source = zipfile.ZipFile(io.BytesIO(docx_file([("Intro", ["Intro."])])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + body, 1)
            archive.writestr(entry, data)
    return out.getvalue()


def load(data: bytes, name: str, **options):
    document = load_document(data, filename=name, **options)
    return len(document.pages), len(document.text)


def test_a_docx_of_160_mb_of_markup_is_refused_before_parsing():
    outcome = run_bounded(load, markup_docx(160), "big.docx", timeout=60)  # > 300 s at 4.1 GB before
    assert outcome.error == "ParseLimitError" and ("MiB of markup" in outcome.message or "zip bomb" in outcome.message)
    assert outcome.seconds < 10 and outcome.peak_mib < 1024, str(outcome)


def test_a_docx_is_read_in_a_child_bounded_in_time_and_memory():
    data = markup_docx(8)
    pages, chars = load(data, "report.docx")
    assert chars > 5_000_000
    with pytest.raises(ParseLimitError, match="longer than 1 s"):
        load(data, "report.docx", formats=FormatLimits(timeout_s=1))
    for megabytes in (150, 200):  # out of memory in the imports, and in lxml (which calls it "unknown error")
        with pytest.raises(ParseLimitError, match=f"needed over {megabytes} MiB"):
            load(data, "report.docx", formats=FormatLimits(memory_bytes=megabytes << 20))


def test_a_damaged_docx_says_so_from_the_child():
    with pytest.raises(EmptyDocumentError):
        load_document(docx_file([]), filename="empty.docx")


def test_a_huge_text_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "one-line.txt"
    with open(path, "wb") as out:  # 300 MB on one line: 213 s and 6.9 GB before
        out.truncate(300 << 20)
    start = time.perf_counter()
    with pytest.raises(DocumentTooLargeError, match="32 MiB text limit"):
        load_document(path)
    assert time.perf_counter() - start < 1.0
    with pytest.raises(DocumentTooLargeError, match="text limit"):
        load_document(b"word " * (7 << 20), filename="big.txt")


def test_text_is_cleaned_within_its_time_limit():
    with pytest.raises(ParseLimitError, match="longer than 0 s"):
        _clean_in_blocks("word " * (1 << 20), "big.txt", timeout_s=0)
    pages, chars = load(b"lorem ipsum " * (2 << 20), "one-line.txt")  # 24 MB on one line
    assert pages == 1 and chars == 24 << 20


def test_parser_processes_are_capped_across_documents(monkeypatch):
    running, most, lock = [0], [0], threading.Lock()
    real = child.parser_slots

    def slow():
        with real() as n:
            with lock:
                running[0] += n
                most[0] = max(most[0], running[0])
            time.sleep(0.2)
            with lock:
                running[0] -= n

    threads = [threading.Thread(target=slow) for _ in range(3 * child.MAX_PARSERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == child.MAX_PARSERS
    with real(100) as granted:
        assert granted == child.MAX_PARSERS


def test_a_pdf_of_no_pages_is_empty_not_a_missing_decoder():
    from .hostile_pdfs import pdf_of_streams

    with pytest.raises(EmptyDocumentError, match="no pages"):
        load_document(pdf_of_streams([]), filename="none.pdf")
