"""`load_document`: a path, bytes or text in; a `Document` with pages and a content hash out."""
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from .encoding import decode_text
from .errors import (
    DocumentNotFoundError,
    DocumentTooLargeError,
    EmptyDocumentError,
    ScannedPDFError,
    UnsupportedDocumentError,
)
from .pdf import PDFLimits, extract_pdf

PAGE_SEPARATOR = "\n\n"  # between pages in Document.text: a paragraph break for the chunker
DEFAULT_MAX_BYTES = 512 << 20
_BINARY_MAGIC = {
    b"PK\x03\x04": "a ZIP container (.docx, .xlsx, .epub, .zip)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"II*\x00": "a TIFF image",
    b"MM\x00*": "a TIFF image",
    b"\xd0\xcf\x11\xe0": "an old Office file (.doc, .xls, .ppt)",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "an executable",
}
_CACHE_VERSION = 1


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
    kind: str = "text"  # "pdf", "markdown" or "text"
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)

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
    pdf_limits: PDFLimits = PDFLimits(),
    cache_dir: str | os.PathLike | None = None,
) -> Document:
    """Read a PDF, plain-text or Markdown document.

    `source` is a path (str or PathLike), raw bytes, or the text itself (a str that is not an
    existing file's path and has a newline or is long). `filename` names bytes/text sources and
    decides their type by suffix. With `cache_dir`, parsed documents are kept by content hash.
    Raises a DocumentError subclass that says what went wrong and what to do.
    """
    data, name, is_text = _read_source(source, filename, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    cached = _cache_path(cache_dir, digest, password)
    if cached is not None and cached.exists():
        document = _from_cache(cached)
        document.name = name
        return document
    if not data.strip():
        raise EmptyDocumentError(f"{name} is empty: there is nothing to read.")
    suffix = Path(name).suffix.lower()
    if not is_text and (b"%PDF-" in data[:1024] or suffix == ".pdf"):
        document = _pdf_document(data, digest, name, password, pdf_limits)
    else:
        document = _text_document(data, digest, name, suffix, is_text)
    if cached is not None:
        _to_cache(cached, document)
    return document


def _read_source(source, filename, max_bytes) -> tuple[bytes, str, bool]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        _check_size(len(data), filename or "the document", max_bytes)
        return data, filename or "document", False
    if isinstance(source, str) and not _looks_like_path(source):
        data = source.encode("utf-8", "surrogatepass")
        _check_size(len(data), filename or "the text", max_bytes)
        return data, filename or "text", True
    path = Path(source)
    if not path.is_file():
        raise DocumentNotFoundError(f"{path}: no such file." + (" (It is a directory.)" if path.is_dir() else ""))
    _check_size(path.stat().st_size, path.name, max_bytes)
    return path.read_bytes(), filename or path.name, False


def _looks_like_path(text: str) -> bool:
    """An existing file, a name ending in a document suffix, or a space-free string with a slash."""
    if "\n" in text or len(text) > 4096 or not text.strip():
        return False
    if os.path.exists(text) or re.search(r"\.(pdf|txt|text|md|markdown|rst)$", text.strip(), re.I):
        return True
    return os.sep in text and not any(c.isspace() for c in text.strip())


def _check_size(size: int, name: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise DocumentTooLargeError(
            f"{name} is {size / 2**20:.1f} MiB, over the {max_bytes / 2**20:.0f} MiB limit; "
            "split it or raise max_bytes."
        )


def _pdf_document(data: bytes, digest: str, name: str, password: str, limits: PDFLimits) -> Document:
    pdf = extract_pdf(data, name=name, password=password, limits=limits)
    texts = [_clean(text) for text in pdf.texts]
    if not any(text.strip() for text in texts):
        raise ScannedPDFError(
            f"{name}: none of its {len(texts)} page(s) has extractable text; it looks scanned (pages are "
            "images). Run OCR first (e.g. `ocrmypdf in.pdf out.pdf`) and load the result."
        )
    empty = [i + 1 for i, text in enumerate(texts) if not text.strip()]
    warnings = list(pdf.warnings)
    if empty:
        warnings.append(f"{len(empty)} page(s) without extractable text (scanned?): {_ranges(empty)}")
    return _assemble(digest, texts, pdf.labels, name, "pdf", None, warnings)


def _text_document(data: bytes, digest: str, name: str, suffix: str, is_text: bool) -> Document:
    if not is_text:
        for magic, what in _BINARY_MAGIC.items():
            if data.startswith(magic):
                raise UnsupportedDocumentError(f"{name} is {what}; longdoc reads PDF, plain text and Markdown.")
    text, encoding = decode_text(data, name=name)
    if "\x00" in text:
        raise UnsupportedDocumentError(f"{name} holds NUL characters, so it is binary, not text.")
    text = _clean(text)
    if not text.strip():
        raise EmptyDocumentError(f"{name} holds only whitespace: there is nothing to read.")
    kind = "markdown" if suffix in (".md", ".markdown") else "text"
    pages = text.split("\f")  # form feeds are page breaks in plain text
    return _assemble(digest, pages, [str(i + 1) for i in range(len(pages))], name, kind, encoding, [])


def _clean(text: str) -> str:
    # NFC joins decomposed accents so search matches what users type; \r\n to \n keeps offsets simple.
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _assemble(digest, texts, labels, name, kind, encoding, warnings) -> Document:
    pages, offset = [], 0
    for number, (text, label) in enumerate(zip(texts, labels), start=1):
        if number > 1:
            offset += len(PAGE_SEPARATOR)
        pages.append(Page(number, label, text, offset, offset + len(text)))
        offset += len(text)
    return Document(digest, PAGE_SEPARATOR.join(texts), pages, name, kind, encoding, warnings)


def _ranges(numbers: list[int]) -> str:
    spans, start = [], numbers[0]
    for prev, cur in zip(numbers, numbers[1:] + [None]):
        if cur != prev + 1:
            spans.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = cur
    return ", ".join(spans[:20]) + (" ..." if len(spans) > 20 else "")


def _cache_path(cache_dir, digest: str, password: str) -> Path | None:
    if cache_dir is None:
        return None
    # The password is part of the key (hashed): a wrong password must not hit a cached success.
    key = hashlib.sha256(f"{digest}\0{password}\0{_CACHE_VERSION}".encode()).hexdigest()[:32]
    return Path(cache_dir) / f"document-{key}.json"


def _to_cache(path: Path, document: Document) -> None:
    payload = {
        "version": _CACHE_VERSION,
        "id": document.id,
        "text": document.text,
        "pages": [[p.number, p.label, p.char_start, p.char_end] for p in document.pages],
        "name": document.name,
        "kind": document.kind,
        "encoding": document.encoding,
        "warnings": document.warnings,
    }
    write_atomic(path, json.dumps(payload, ensure_ascii=False).encode("utf-8"))


def _from_cache(path: Path) -> Document:
    payload = json.loads(path.read_text(encoding="utf-8"))
    text = payload["text"]
    pages = [Page(number, label, text[start:end], start, end) for number, label, start, end in payload["pages"]]
    return Document(payload["id"], text, pages, payload["name"], payload["kind"], payload["encoding"], payload["warnings"])


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers see all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
