"""DOCX, PPTX, EPUB and HTML to pages a citation can name.

- DOCX (python-docx): a page per top-level section (the document's highest heading level used),
  labelled with the heading; paragraphs and tables in reading order.
- PPTX (python-pptx): a page per slide, labelled with its number; shapes top to bottom, tables,
  then the speaker notes.
- EPUB: a page per chapter of the spine, labelled with its first heading.
- HTML: the main content (<main> or <article> when present; navigation, headers, footers,
  asides, scripts and forms dropped), a page per <h1>/<h2> section, labelled with the heading.
Tables become " | " rows, header first (`tables.format_rows`). ZIP containers are checked before
anything is unpacked (entries, total size, compression ratio, and the XML and HTML the parsers
will read: a zip bomb is a ParseLimitError), and XML is parsed without entities or network access.
`read_sections` reads them in a child process bounded in memory and time, as PDFs are
(`format_worker`): a 2 MB DOCX of 160 MB of XML once held the process for minutes at 4 GB.
"""

from __future__ import annotations

import io
import json
import posixpath
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from . import child, errors
from .child import last_line, parser_slots
from .errors import CorruptDocumentError, EmptyDocumentError, ParseLimitError
from .tables import format_rows

MAX_ENTRIES = 20_000
MAX_UNPACKED_BYTES = 1 << 30  # pictures and fonts included: they are listed, never parsed
# what the parsers read (XML, HTML): python-docx reads about 4 MB/s into a tree ~10x its size
MAX_MARKUP_BYTES = 64 << 20
MARKUP_SUFFIXES = (".xml", ".rels", ".xhtml", ".html", ".htm", ".opf", ".ncx")
MAX_RATIO = 200  # unpacked / packed, for containers over a few MiB unpacked
RATIO_FLOOR_BYTES = 16 << 20
LABEL_CHARS = 40
NOT_TEXT = ("script", "style", "noscript", "template", "svg", "iframe", "object")
DROPPED_HTML = (*NOT_TEXT, "nav", "header", "footer", "aside", "form", "button")  # a web page's furniture
BLOCKS = {
    "p",
    "div",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "dt",
    "dd",
    "figcaption",
    "caption",
    "section",
    "article",
    "main",
    "address",
    "td",
    "th",
    "tr",
    "ul",
    "ol",
    "dl",
}
NESTED = (*BLOCKS, "table")


@dataclass
class Sections:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def add(self, text: str, label: str) -> None:
        text = text.strip("\n")
        if text.strip():
            self.texts.append(text)
            self.labels.append(" ".join(label.split())[:LABEL_CHARS] or str(len(self.texts) + 1))

    def done(self, name: str) -> "Sections":
        if not self.texts:
            raise EmptyDocumentError(f"{name} holds no text: there is nothing to read.")
        return self


def checked_zip(data: bytes, name: str) -> zipfile.ZipFile:
    """The ZIP container, once its directory says unpacking it is safe."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise CorruptDocumentError(f"{name}: damaged, not a readable ZIP container ({error}).") from None
    unpacked = sum(entry.file_size for entry in entries)
    markup = sum(entry.file_size for entry in entries if entry.filename.lower().endswith(MARKUP_SUFFIXES))
    if (
        len(entries) > MAX_ENTRIES
        or unpacked > MAX_UNPACKED_BYTES
        or (unpacked > RATIO_FLOOR_BYTES and unpacked > MAX_RATIO * len(data))
    ):
        raise ParseLimitError(
            f"{name}: its {len(entries)} parts unpack to {unpacked >> 20} MiB from a "
            f"{max(len(data) >> 10, 1)} KiB file (a zip bomb?); it was not read."
        )
    if markup > MAX_MARKUP_BYTES:
        raise ParseLimitError(
            f"{name}: its text parts unpack to {markup >> 20} MiB of markup, over the "
            f"{MAX_MARKUP_BYTES >> 20} MiB one document may have; it was not read."
        )
    return archive


@dataclass(frozen=True)
class FormatLimits:
    """Bounds on reading one untrusted DOCX, PPTX, EPUB or HTML document in its child process."""

    timeout_s: float = 120.0  # wall clock
    memory_bytes: int = 2 << 30


def read_sections(kind: str, data: bytes, name: str, limits: FormatLimits = FormatLimits()) -> "Sections":
    """FORMAT[kind].reader(data, name), run in a bounded child process (one of the machine's parser
    slots); its typed errors are raised here, and running out of time or memory is a ParseLimitError."""
    with parser_slots():
        try:
            done = child.run("format_worker", {"kind": kind, "name": name}, limits.memory_bytes, limits.timeout_s, data)
        except subprocess.TimeoutExpired:
            raise ParseLimitError(
                f"{name}: reading it took longer than {limits.timeout_s:g} s and was stopped; raise "
                "FormatLimits.timeout_s if you trust it."
            ) from None
    try:
        result = json.loads(done.stdout)
    except ValueError:
        why = last_line(done.stderr, done.returncode)
        if done.returncode < 0 or "MemoryError" in why:  # killed: out of CPU time (SIGXCPU) or memory
            raise ParseLimitError(
                f"{name}: reading it exceeded its limits ({limits.memory_bytes >> 20} MiB, "
                f"{limits.timeout_s:g} s) and was stopped ({why})."
            ) from None
        raise CorruptDocumentError(f"{name}: the {kind.upper()} reader failed ({why}).") from None
    if "error" in result:
        error = getattr(errors, result["error"], None)
        error = error if isinstance(error, type) and issubclass(error, errors.DocumentError) else CorruptDocumentError
        raise error(result["message"])
    return Sections(result["texts"], result["labels"])


def _xml_parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _member(archive: zipfile.ZipFile, path: str, name: str) -> bytes:
    try:
        return archive.read(path)
    except KeyError:
        raise CorruptDocumentError(f"{name}: its part {path!r} is missing.") from None
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as error:  # a CRC error, a bad compression method
        raise CorruptDocumentError(f"{name}: its part {path!r} is damaged ({error}).") from None


# -- DOCX ------------------------------------------------------------------------------------------


def read_docx(data: bytes, name: str) -> Sections:
    import docx
    from docx.table import Table

    checked_zip(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(document.iter_inner_content())
        style_names = {style.style_id: style.name for style in document.styles}
    except Exception as error:  # python-docx raises KeyError, ValueError, lxml errors... on damaged parts
        raise CorruptDocumentError(
            f"{name}: damaged or not really a DOCX file ({type(error).__name__}: {error})."
        ) from None
    items = []  # (heading level or None, text)
    for block in blocks:
        if isinstance(block, Table):
            items.append((None, format_rows([[cell.text for cell in row.cells] for row in block.rows])))
            continue
        items.append((_heading_level(style_names.get(block._p.style) or ""), block.text))
    levels = [level for level, text in items if level is not None and text.strip()]
    top = min(levels) if levels else None
    sections, current, label = Sections(), [], name
    for level, text in items:
        if top is not None and level == top and text.strip():
            sections.add("\n\n".join(current), label)
            current, label = [], text
        current.append(text)
    sections.add("\n\n".join(current), label)
    return sections.done(name)


def _heading_level(style: str) -> int | None:
    """0 for the Title style, n for "Heading n", None for body text. (The style's name comes from
    the paragraph's style id: python-docx's `paragraph.style` scans every style for the default
    one, a millisecond a paragraph.)"""
    if style == "Title":
        return 0
    kind, _, level = style.partition(" ")
    return int(level) if kind == "Heading" and level.isdigit() else None


# -- PPTX ------------------------------------------------------------------------------------------


def read_pptx(data: bytes, name: str) -> Sections:
    import pptx

    checked_zip(data, name)
    try:
        slides = list(pptx.Presentation(io.BytesIO(data)).slides)
    except Exception as error:
        raise CorruptDocumentError(
            f"{name}: damaged or not really a PPTX file ({type(error).__name__}: {error})."
        ) from None
    sections = Sections()
    for number, slide in enumerate(slides, start=1):
        parts = [_shape_text(shape) for shape in sorted(slide.shapes, key=lambda s: ((s.top or 0), (s.left or 0)))]
        if slide.has_notes_slide and (notes := slide.notes_slide.notes_text_frame) is not None and notes.text.strip():
            parts.append(f"Notes: {notes.text}")
        sections.add("\n\n".join(p for p in parts if p.strip()), str(number))
    return sections.done(name)


def _shape_text(shape) -> str:
    if getattr(shape, "has_table", False) and shape.has_table:
        return format_rows([[cell.text for cell in row.cells] for row in shape.table.rows])
    if getattr(shape, "shape_type", None) is not None and hasattr(shape, "shapes"):  # a group
        return "\n\n".join(_shape_text(inner) for inner in shape.shapes)
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        return "\n".join(paragraph.text for paragraph in shape.text_frame.paragraphs)
    return ""


# -- HTML and EPUB ---------------------------------------------------------------------------------


def html_root(data: bytes, name: str):
    from lxml import etree, html

    parser = html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=False)
    try:
        root = html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    if any("Excessive depth" in entry.message for entry in parser.error_log):
        # libxml2 stops at 256 levels and drops what lies deeper: say so rather than "no text"
        raise ParseLimitError(
            f"{name}: its HTML nests over 256 elements deep; the parser stops there, so its text was not "
            "read in full. Flatten it (or save it as text) and try again."
        )
    return root


def _without(root, tags):
    """`root` with every element of `tags` removed (its tail text kept)."""
    for element in list(root.iter(*tags)):  # listed first: dropping while iterating skips elements
        if element.getparent() is not None:
            element.drop_tree()
    return root


def _main_content(root):
    _without(root, DROPPED_HTML)
    candidates = list(root.iter("main")) or list(root.iter("article"))
    if candidates:
        return max(candidates, key=lambda e: len(e.text_content()))
    body = root.find("body")
    return body if body is not None else root


def html_sections(root, sections: Sections, label: str, split_at=("h1", "h2")) -> None:
    """Add the text of `root` to `sections`, a section per heading in `split_at` (empty: one)."""
    lines, heading = [], label

    def block_text(element) -> str:
        return " ".join(element.text_content().split())

    def walk(element):
        nonlocal lines, heading
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "table":
            rows = [
                [block_text(cell) for cell in row if isinstance(cell.tag, str) and cell.tag in ("td", "th")]
                for row in element.iter("tr")
            ]
            lines.append(format_rows(rows))
        elif tag in split_at:
            sections.add("\n\n".join(lines), heading)
            lines, heading = [block_text(element)], block_text(element)
        elif next(element.iterdescendants(*NESTED), None) is None:  # a leaf: its text is one line
            if text := block_text(element):
                lines.append(text)
        else:  # blocks inside: each its own line, loose text between them too
            loose(element.text)
            for child in element:
                walk(child)
                loose(child.tail)

    def loose(text):
        if text and text.strip():
            lines.append(" ".join(text.split()))

    try:
        walk(root)
    except RecursionError:
        raise CorruptDocumentError(f"{label}: its HTML nests too deeply to read.") from None
    sections.add("\n\n".join(lines), heading)


def read_html(data: bytes, name: str) -> Sections:
    root = html_root(data, name)
    if root is None:
        raise EmptyDocumentError(f"{name} holds no HTML content: there is nothing to read.")
    title = root.findtext(".//title") or name
    sections = Sections()
    html_sections(_main_content(root), sections, title)
    return sections.done(name)


def read_epub(data: bytes, name: str) -> Sections:
    """Chapters in spine order (META-INF/container.xml -> the package's manifest and spine)."""
    from lxml import etree

    archive = checked_zip(data, name)
    try:
        container = etree.fromstring(_member(archive, "META-INF/container.xml", name), _xml_parser())
        package_path = container.find(".//{*}rootfile").get("full-path")
        package = etree.fromstring(_member(archive, package_path, name), _xml_parser())
        manifest = {item.get("id"): item.get("href") for item in package.iterfind(".//{*}manifest/{*}item")}
        spine = [
            manifest[ref.get("idref")]
            for ref in package.iterfind(".//{*}spine/{*}itemref")
            if ref.get("idref") in manifest
        ]
    except CorruptDocumentError:
        raise
    except (etree.XMLSyntaxError, AttributeError, TypeError) as error:
        raise CorruptDocumentError(f"{name}: damaged EPUB package ({type(error).__name__}: {error}).") from None
    base = posixpath.dirname(package_path)
    sections = Sections()
    for href in spine:
        path = posixpath.normpath(posixpath.join(base, href.split("#")[0]))
        root = html_root(_member(archive, path, name), name)
        if root is None:
            continue
        body = _without(root.find("body") if root.find("body") is not None else root, NOT_TEXT)
        heading = next(
            (" ".join(h.text_content().split()) for h in body.iter("h1", "h2", "h3") if h.text_content().strip()),
            str(len(sections.texts) + 1),
        )
        html_sections(body, sections, heading, split_at=())
    return sections.done(name)


ZIP = b"PK\x03\x04"


@dataclass(frozen=True)
class Format:
    """A kind of document longdoc reads, all that tells it: its names' suffixes, how its bytes begin
    (a PDF's mark anywhere in its first KiB), the part a ZIP of it holds (read by its parts, whatever
    its name says), and its section reader (None: pdf.py reads it, or it is decoded as text)."""

    kind: str
    suffixes: tuple[str, ...]
    magic: tuple[bytes, ...] = ()
    zip_part: str = ""
    reader: Callable[[bytes, str], Sections] | None = None


FORMATS = (
    Format("pdf", (".pdf",), (b"%PDF-",)),
    Format("docx", (".docx",), (ZIP,), "word/document.xml", read_docx),
    Format("pptx", (".pptx",), (ZIP,), "ppt/presentation.xml", read_pptx),
    Format("epub", (".epub",), (ZIP,), "META-INF/container.xml", read_epub),
    Format("html", (".html", ".htm", ".xhtml"), (b"<!doctype html", b"<html"), reader=read_html),
    Format("markdown", (".md", ".markdown")),
    Format("text", (".txt", ".text", ".rst", ".csv", ".log")),
)
FORMAT = {f.kind: f for f in FORMATS}
