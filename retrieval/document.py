"""`load_document`: a path, bytes or text in; a `Document` with pages and a content hash out."""

import hashlib
import json
import os
import re
import stat
import time
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from .cache import DamagedCacheError, discard, read_cached, sweep_stale, write_atomic
from .encoding import decode_text
from .errors import (
    CorruptDocumentError,
    DocumentAccessError,
    DocumentNotFoundError,
    DocumentTooLargeError,
    EmptyDocumentError,
    ParseLimitError,
    UnsupportedDocumentError,
)
from .formats import FORMAT, FORMATS, ZIP, FormatLimits, checked_zip, read_sections
from .garbage import describe as describe_garbage
from .garbage import is_garbage
from .ocr import OCRLimits, ocr_available, read_pages
from .pdf import PDFLimits, extract_pdf, page_list

PAGE_SEPARATOR = "\n\n"  # between pages in Document.text: a paragraph break for the chunker
DEFAULT_MAX_BYTES = 512 << 20
# text, Markdown: 32 MiB is ~8M tokens, eight times the longest document longdoc is for (a 300 MB
# one-line file took 213 s and 6.9 GB); read no further than that, cleaned in blocks within a time limit
DEFAULT_MAX_TEXT_BYTES = 32 << 20
TEXT_TIMEOUT_S = 60.0
TEXT_SUFFIXES = FORMAT["text"].suffixes + FORMAT["markdown"].suffixes
CLEAN_BLOCK_CHARS = 1 << 20  # cleaned a block at a time: no single C call holds the GIL for long
_BINARY_MAGIC = {
    b"PK\x03\x04": "a ZIP container but not a DOCX, PPTX or EPUB (.xlsx, .odt, .zip?)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"II*\x00": "a TIFF image",
    b"MM\x00*": "a TIFF image",
    b"\xd0\xcf\x11\xe0": "an old Office file (.doc, .xls, .ppt)",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "an executable",
}
_CACHE_VERSION = 5  # 5: PDF tables under column headers stacked over several lines
KINDS = tuple(FORMAT)
# C0 and C1 control characters but tab, newline and form feed (a page break in text files):
# an ESC sequence in a document must not reach a terminal, a NUL not a C library
CONTROL = re.compile(r"[\x00-\x08\x0b\x0d-\x1f\x7f-\x9f]")
MAX_LABEL_CHARS = 40


@dataclass(frozen=True)
class Page:
    """One page: `number` is 1-based, `label` the PDF's own page label ("iv", "A-3")."""

    number: int
    label: str
    text: str
    char_start: int  # [char_start, char_end) of this page in Document.text
    char_end: int


@dataclass
class Document:
    id: str  # sha256 of the source bytes
    text: str
    pages: list[Page]
    name: str = "document"
    kind: str = "text"  # one of KINDS
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    # page number -> [[start, end, x0, y0, x1, y1]]: lines of a page read by OCR, offsets in its
    # text, boxes in fractions of the page from its top left (to highlight a quote on the image)
    ocr_lines: dict[int, list] = field(default_factory=dict)

    def page_at(self, char_offset: int) -> Page:
        """The page holding Document.text[char_offset]."""
        starts = [page.char_start for page in self.pages]
        return self.pages[max(bisect_right(starts, char_offset) - 1, 0)]


def load_document(
    source: str | os.PathLike | bytes,
    *,
    filename: str | None = None,
    password: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
    pdf_limits: PDFLimits = PDFLimits(),
    ocr: OCRLimits = OCRLimits(),
    formats: FormatLimits = FormatLimits(),
    cache_dir: str | os.PathLike | None = None,
    progress=None,
) -> Document:
    """Read a PDF, DOCX, PPTX, EPUB, HTML, plain-text or Markdown document.

    `source` is a path (str or PathLike), raw bytes, or the text itself (a str that is not an
    existing file's path and has a newline or is long). `filename` names bytes/text sources and
    decides their type by suffix. With `cache_dir`, parsed documents are kept by content hash.
    PDF pages without a usable text layer are read by OCR (`ocr`: its limits; enabled=False
    to skip); `progress(stage, fraction)` hears how far it is.
    Raises a DocumentError subclass that says what went wrong and what to do.
    """
    data, name, is_text = _read_source(source, filename, max_bytes, max_text_bytes)
    digest = hashlib.sha256(data).hexdigest()
    use_ocr = ocr.enabled and ocr_available()
    cached = _cache_path(cache_dir, digest, password, use_ocr)
    if cached is not None:
        sweep_stale(cached.parent)
        if cached.exists():
            try:
                document = _from_cache(cached, digest)
                document.name = name
                return document
            except DamagedCacheError as error:
                discard(cached, str(error))
    if not data.strip():
        raise EmptyDocumentError(f"{name} is empty: there is nothing to read.")
    suffix = Path(name).suffix.lower()
    kind = None if is_text and suffix not in FORMAT["html"].suffixes else _container_kind(data, suffix, name)
    if kind is None and _looks_like_html(data, suffix):
        kind = "html"
    if not is_text and kind is None and (FORMAT["pdf"].magic[0] in data[:1024] or suffix in FORMAT["pdf"].suffixes):
        document = _pdf_document(data, digest, name, password, pdf_limits, ocr if use_ocr else None, progress)
    elif kind is not None:
        sections = read_sections(kind, data, name, formats)
        texts = [_clean(text) for text in sections.texts]
        document = _assemble(digest, texts, sections.labels, name, kind, None, [])
    else:
        _check_size(len(data), name, max_text_bytes, "text ")
        document = _text_document(data, digest, name, suffix, is_text)
    if cached is not None:
        _to_cache(cached, document)
    return document


def _container_kind(data: bytes, suffix: str, name: str) -> str | None:
    """ "docx", "pptx" or "epub" for a ZIP holding one (by its parts, whatever its name says)."""
    zipped = [f for f in FORMATS if f.zip_part]
    named = next((f.kind for f in zipped if suffix in f.suffixes), None)
    if not data.startswith(ZIP):
        return named  # damaged, or not one at all: its reader says so
    try:
        names = set(checked_zip(data, name).namelist())
    except CorruptDocumentError:
        if named:
            raise
        return None  # a damaged ZIP of no format we read: refused as a ZIP
    return next((f.kind for f in zipped if f.zip_part in names), None)


def _looks_like_html(data: bytes, suffix: str) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return suffix in FORMAT["html"].suffixes or head.startswith(FORMAT["html"].magic)


def _read_source(source, filename, max_bytes, max_text_bytes) -> tuple[bytes, str, bool]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        _check_size(len(source), filename or "the document", max_bytes)
        return bytes(source), filename or "document", False
    if isinstance(source, str) and not _looks_like_path(source):
        data = source.encode("utf-8", "surrogatepass")
        _check_size(len(data), filename or "the text", max_bytes)
        return data, filename or "text", True
    path = Path(source)
    name = filename or path.name
    # a text file is read no further than the text limit (not 300 MB first, then refused)
    if Path(name).suffix.lower() in TEXT_SUFFIXES and max_text_bytes < max_bytes:
        return read_file(path, max_text_bytes, kind="text "), name, False
    return read_file(path, max_bytes), name, False


FILE_KINDS = {
    stat.S_ISDIR: "a directory",
    stat.S_ISCHR: "a character device",
    stat.S_ISBLK: "a block device",
    stat.S_ISFIFO: "a named pipe",
    stat.S_ISSOCK: "a socket",
}


def read_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, *, opened: int | None = None, kind: str = "") -> bytes:
    """The bytes of a regular file, at most `max_bytes` (a file growing meanwhile is caught too).
    Devices, pipes and sockets are refused before a byte is read (/dev/zero never ends, a pipe
    may never answer). `opened`: a descriptor already open on it (closed here)."""
    try:
        fd = opened if opened is not None else os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise DocumentNotFoundError(f"{path}: no such file.") from None
    except PermissionError:
        raise DocumentAccessError(f"{path}: this process may not read it (permission denied).") from None
    except OSError as error:
        raise DocumentNotFoundError(f"{path}: cannot open it ({error.strerror}).") from None
    info = os.fstat(fd)
    for test, what in FILE_KINDS.items():
        if test(info.st_mode):
            os.close(fd)
            raise UnsupportedDocumentError(
                f"{path} is {what}, not a regular file; give a document file "
                "(PDF, DOCX, PPTX, EPUB, HTML, text, Markdown)."
            )
    with os.fdopen(fd, "rb", buffering=0) as handle:
        _check_size(info.st_size, path.name, max_bytes, kind)
        os.set_blocking(handle.fileno(), True)
        chunks, size = [], 0
        while block := handle.read(min(1 << 20, max_bytes + 1 - size)):
            chunks.append(block)
            size += len(block)
            if size > max_bytes:
                _check_size(size, path.name, max_bytes, kind)
        return b"".join(chunks)


def _looks_like_path(text: str) -> bool:
    """An existing file, a name ending in a document suffix, or a space-free string with a slash."""
    if "\n" in text or len(text) > 4096 or not text.strip():
        return False
    if os.path.exists(text) or re.search(
        r"\.(pdf|txt|text|md|markdown|rst|docx|pptx|epub|html?|xhtml)$", text.strip(), re.I
    ):
        return True
    return os.sep in text and not any(c.isspace() for c in text.strip())


def _check_size(size: int, name: str, max_bytes: int, kind: str = "") -> None:
    if size > max_bytes:
        setting = "max_text_bytes" if kind else "max_bytes"
        raise DocumentTooLargeError(
            f"{name} is {size / 2**20:.1f} MiB, over the "
            f"{max_bytes / 2**20:.0f} MiB {kind}limit; split it or raise {setting}."
        )


def _pdf_document(
    data: bytes, digest: str, name: str, password: str, limits: PDFLimits, ocr: OCRLimits | None, progress
) -> Document:
    pdf = extract_pdf(data, name=name, password=password, limits=limits)
    for i, text in enumerate(pdf.texts):  # a text layer of glyph names is no text
        if pdf.statuses[i] == "text" and is_garbage(text):
            pdf.texts[i], pdf.statuses[i], pdf.details[i] = "", "garbage", describe_garbage(text)
    ocr_lines, ocr_warnings = {}, []
    unreadable = [i for i, status in enumerate(pdf.statuses) if status in OCR_CAUSES]
    if ocr is not None and unreadable:
        original, detail = list(pdf.statuses), list(pdf.details)
        read, unread = read_pages(data, unreadable, password=password, limits=ocr, progress=progress)
        for i, page in read.items():
            text = _clean(page.text)
            pdf.texts[i], pdf.statuses[i], pdf.details[i] = text, "text", ""
            if len(text) == len(page.text):  # offsets still hold: the quote can be shown on the page
                ocr_lines[i + 1] = page.lines
            if not text.strip():  # still unreadable: its first cause stands
                pdf.statuses[i], pdf.details[i] = (
                    original[i],
                    "; ".join(filter(None, [detail[i], "OCR found no text on it"])),
                )
        for i, why in unread.items():
            pdf.statuses[i], pdf.details[i] = "unread", why
        if pages := sorted(i for i in read if pdf.statuses[i] == "text"):
            seconds = sum(page.seconds for page in read.values()) / len(read)
            ocr_warnings.append(
                f"{len(pages)} page(s) read by OCR ({page_list([i + 1 for i in pages])}; {seconds:.1f} s a page): "
                "check quotes from them against the page"
            )
    texts = [_clean(text) for text in pdf.texts]
    if not any(text.strip() for text in texts):
        raise pdf.no_text_error(name)
    document = _assemble(digest, texts, pdf.labels, name, "pdf", None, ocr_warnings + pdf.page_warnings())
    document.ocr_lines = ocr_lines
    return document


OCR_CAUSES = ("image", "vector", "garbage")  # pages OCR can read


def _text_document(data: bytes, digest: str, name: str, suffix: str, is_text: bool) -> Document:
    if not is_text:
        for magic, what in _BINARY_MAGIC.items():
            if data.startswith(magic):
                raise UnsupportedDocumentError(
                    f"{name} is {what}; longdoc reads PDF, DOCX, PPTX, EPUB, HTML, plain text and Markdown."
                )
    text, encoding = decode_text(data, name=name)
    if text.count("\x00") > max(1, len(text) // 100):  # a stray NUL is dropped; many mean a binary file
        raise UnsupportedDocumentError(f"{name} holds NUL characters, so it is binary, not text.")
    text = _clean_in_blocks(text, name)
    if not text.strip():
        raise EmptyDocumentError(f"{name} holds only whitespace: there is nothing to read.")
    kind = "markdown" if suffix in FORMAT["markdown"].suffixes else "text"
    pages = text.split("\f")  # form feeds are page breaks in plain text
    return _assemble(digest, pages, [str(i + 1) for i in range(len(pages))], name, kind, encoding, [])


def _clean(text: str) -> str:
    # NFC joins decomposed accents so search matches what users type; \r\n to \n keeps offsets simple.
    return CONTROL.sub("", unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")))


def _clean_in_blocks(text: str, name: str, timeout_s: float = TEXT_TIMEOUT_S) -> str:
    """`_clean(text)` a block at a time, within `timeout_s`. Blocks end after a newline, or else
    before an ASCII character (nothing composes with what precedes it, and no \r\n is split)."""
    deadline, cleaned, start = time.monotonic() + timeout_s, [], 0
    while start < len(text):
        end = min(start + CLEAN_BLOCK_CHARS, len(text))
        if end < len(text):
            cut = text.rfind("\n", end - 4096, end)
            if cut >= 0:
                end = cut + 1
            else:
                end = next(
                    (
                        i
                        for i in range(end, max(end - 4096, start + 1), -1)
                        if text[i] < "\x80" and text[i] not in "\r\n" and text[i - 1] != "\r"
                    ),
                    end,
                )
        cleaned.append(_clean(text[start:end]))
        start = end
        if time.monotonic() > deadline:
            raise ParseLimitError(f"{name}: reading its text took longer than {timeout_s:g} s and was stopped.")
    return "".join(cleaned)


def page_label(raw, number: int) -> str:
    """A label fit to print and to cite: no control characters, one line, at most 40 characters
    (a PDF's label is whatever its author wrote)."""
    label = " ".join(CONTROL.sub(" ", str(raw)).split())[:MAX_LABEL_CHARS]
    return label or str(number)


def _assemble(digest, texts, labels, name, kind, encoding, warnings) -> Document:
    pages, offset = [], 0
    for number, (text, label) in enumerate(zip(texts, labels), start=1):
        if number > 1:
            offset += len(PAGE_SEPARATOR)
        pages.append(Page(number, page_label(label, number), text, offset, offset + len(text)))
        offset += len(text)
    return Document(digest, PAGE_SEPARATOR.join(texts), pages, name, kind, encoding, warnings)


def _cache_path(cache_dir, digest: str, password: str, ocr: bool) -> Path | None:
    if cache_dir is None:
        return None
    # The password is part of the key (hashed): a wrong password must not hit a cached success;
    # so is OCR: a document read without it is read again once it is installed.
    key = hashlib.sha256(f"{digest}\0{password}\0{_CACHE_VERSION}\0{int(ocr)}".encode()).hexdigest()[:32]
    return Path(cache_dir) / f"document-{key}.json"


def _to_cache(path: Path, document: Document) -> None:
    payload = {
        "version": _CACHE_VERSION,
        "id": document.id,
        "text_sha256": hashlib.sha256(document.text.encode("utf-8", "surrogatepass")).hexdigest(),
        "text": document.text,
        "pages": [[p.number, p.label, p.char_start, p.char_end] for p in document.pages],
        "name": document.name,
        "kind": document.kind,
        "encoding": document.encoding,
        "warnings": document.warnings,
        "ocr_lines": {str(number): lines for number, lines in document.ocr_lines.items()},
    }
    write_atomic(path, json.dumps(payload, ensure_ascii=False).encode("utf-8"))


def _from_cache(path: Path, digest: str) -> Document:
    """The cached document of the source whose sha256 is `digest`; DamagedCacheError unless the
    file holds exactly that: its text's own hash, pages tiling the text in order."""
    try:
        payload = json.loads(read_cached(path).decode("utf-8"))
        text, rows = payload["text"], payload["pages"]
        if payload["version"] != _CACHE_VERSION or payload["id"] != digest:
            raise DamagedCacheError("it belongs to another version or document")
        if hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() != payload["text_sha256"]:
            raise DamagedCacheError("its text does not match its hash")
        pages, expected = [], 0
        for n, (number, label, start, end) in enumerate(rows, start=1):
            if (number, start) != (n, expected) or not (
                isinstance(label, str) and isinstance(end, int) and start <= end <= len(text)
            ):
                raise DamagedCacheError(f"page {n} does not follow page {n - 1}")
            pages.append(Page(number, page_label(label, number), text[start:end], start, end))
            expected = end + len(PAGE_SEPARATOR)
        if not pages or pages[-1].char_end != len(text) or payload["kind"] not in KINDS:
            raise DamagedCacheError("its pages do not cover its text")
        warnings = [str(w) for w in payload["warnings"]]
        ocr_lines = {
            int(number): [[int(a), int(b), *map(float, box)] for a, b, *box in lines]
            for number, lines in payload["ocr_lines"].items()
            if 1 <= int(number) <= len(pages)
        }
        return Document(
            digest, text, pages, str(payload["name"]), payload["kind"], payload["encoding"], warnings, ocr_lines
        )
    except DamagedCacheError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise DamagedCacheError(f"{type(error).__name__}: {error}") from None
