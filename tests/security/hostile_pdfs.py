"""Hostile PDFs, built by the tests: decompression bombs, streams with filters pypdf rejects or
needs an optional decoder for, pages that draw nothing or only paths, labels that carry markup."""

from __future__ import annotations

import io
import zlib

from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from pypdf.generic import DictionaryObject, NameObject, StreamObject

TEXT = b"BT /F1 12 Tf 72 712 Td (%s) Tj ET\n"


def _font(writer: PdfWriter):
    return writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )


def _stream(writer: PdfWriter, data: bytes, filter_name: str | None):
    stream = StreamObject()
    stream._data = data
    if filter_name:
        stream[NameObject("/Filter")] = NameObject(filter_name)
    return writer._add_object(stream)


def _page(writer: PdfWriter, contents, font) -> None:
    page = writer.add_blank_page(612, 792)
    page[NameObject("/Contents")] = contents
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_of_streams(streams: list[tuple[bytes, str | None]]) -> bytes:
    """One page per (content, filter), each with Helvetica as /F1."""
    writer = PdfWriter()
    font = _font(writer)
    for data, filter_name in streams:
        _page(writer, _stream(writer, data, filter_name), font)
    return _bytes(writer)


def shared_stream_bomb(pages: int = 40, mib: int = 8) -> bytes:
    """Every page draws one huge, highly compressible content stream: kilobytes of file, each
    page minutes of pypdf."""
    writer = PdfWriter()
    font = _font(writer)
    line = TEXT % b"Hello world"
    shared = _stream(writer, zlib.compress(line * (mib * 2**20 // len(line)), 9), "/FlateDecode")
    for _ in range(pages):
        _page(writer, shared, font)
    return _bytes(writer)


def text_page(words: str) -> tuple[bytes, str]:
    return zlib.compress(TEXT % words.encode()), "/FlateDecode"


def with_labels(data: bytes, prefix: str) -> bytes:
    """Every page labelled `prefix` + its number (a PDF's labels are whatever its author wrote)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.set_page_label(0, len(writer.pages) - 1, style=PageLabelStyle.DECIMAL, prefix=prefix)
    return _bytes(writer)
