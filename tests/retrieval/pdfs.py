"""Real PDFs made by the tests: fpdf2 writes pages, pypdf adds labels and encryption."""

import io

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from pypdf.generic import ArrayObject, NameObject, NumberObject


def text_pdf(pages: list[str]) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def image_only_pdf(n_pages: int = 2) -> bytes:
    """What a scanner makes: pages that are pictures of text, with no text layer."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).text((20, 80), "Scanned words are pixels", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pdf = FPDF()
    for _ in range(n_pages):
        pdf.add_page()
        pdf.image(io.BytesIO(buffer.getvalue()), x=10, y=10, w=150)
    return bytes(pdf.output())


def scanned_pdf(
    pages: list[str],
    *,
    font: str | None = None,
    size: int = 11,
    scale: float = 2.0,
    text_layer: list[str] | None = None,
) -> bytes:
    """What a scanner makes of a typed document: each page of `text_pdf(pages)` rendered to a
    picture (pdfium, `scale` x 72 dpi) and put back as a page with no text layer, or with
    `text_layer` as invisible text over the picture (a broken one, as some real PDFs carry)."""
    import pypdfium2
    from fpdf.enums import TextMode

    typed = pypdfium2.PdfDocument(font_pdf(pages, font=font, size=size))
    pdf = FPDF()
    for i in range(len(typed)):
        picture = typed[i].render(scale=scale).to_pil().convert("L")
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        pdf.add_page()
        pdf.image(buffer, x=0, y=0, w=pdf.w, h=pdf.h)
        if text_layer:
            pdf.set_font("helvetica", size=10)
            pdf.text_mode = TextMode.INVISIBLE
            pdf.set_xy(10, 10)
            pdf.multi_cell(0, 5, text_layer[i])
            pdf.text_mode = TextMode.FILL
    return bytes(pdf.output())


def font_pdf(pages: list[str], *, font: str | None = None, size: int = 11) -> bytes:
    """`text_pdf` in a TrueType font file (CJK text needs one), or in Helvetica."""
    if font is None:
        return text_pdf(pages)
    pdf = FPDF()
    pdf.add_font("custom", fname=font)
    pdf.set_font("custom", size=size)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, size * 0.55, text)
    return bytes(pdf.output())


def rewrite(
    data: bytes,
    *,
    roman_front_pages: int = 0,
    user_password: str | None = None,
    owner_password: str | None = None,
    algorithm: str = "AES-256",
    catalog_array: int = 0,
) -> bytes:
    """Add page labels (i, ii, ... then 1, 2, ...), encryption and/or an array of `catalog_array`
    numbers in the catalog (as a real 10-Q's structure tree holds over 100,000)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    if catalog_array:
        writer.root_object[NameObject("/LongdocBig")] = ArrayObject(NumberObject(n % 97) for n in range(catalog_array))
    if roman_front_pages:
        writer.set_page_label(0, roman_front_pages - 1, style=PageLabelStyle.LOWERCASE_ROMAN, start=1)
        writer.set_page_label(roman_front_pages, len(writer.pages) - 1, style=PageLabelStyle.DECIMAL, start=1)
    if user_password is not None:
        writer.encrypt(user_password, owner_password, algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _spanning(pdf, right: list[int], header: list[str], group: int, y: float) -> None:
    """The header line's cell `group`, centred over its equal share of the columns."""
    size = len(right) // len(header)
    first, last = right[group * size], right[group * size + size - 1]
    pdf.set_xy(first - 25, y)
    pdf.cell(last - first + 25, 5, header[group], align="C")


def statement_pdf(pages: list[dict]) -> bytes:
    """Financial statements as a typesetter draws them: a title and unit line, column headers
    (one line each in `headers`; a line with fewer cells than columns spans them, each cell
    centred over its equal share), then rows of a label at the left and values right-aligned in
    their columns; a row of only a label is a section line. "stacked": the spanning header lines
    are drawn one group of columns after another (the plain text reads them in that order). Each
    page: {"title", "unit", "headers": [[...], ...], "rows": [[label, v, ...]], "prose", "stacked"}."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=9)
    for page in pages:
        pdf.add_page()
        if page.get("prose"):
            pdf.multi_cell(0, 5, page["prose"])
            pdf.ln(3)
        for line in (page.get("title"), page.get("unit")):
            if line:
                pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        columns = max(len(row) - 1 for row in page["rows"])
        right = [110 + 30 * k for k in range(columns)]  # each column's right edge (mm)
        headers, top = page.get("headers", []), pdf.get_y()
        spans = [h for h in headers if len(h) < columns]  # "Three Months Ended" over a group of columns
        if page.get("stacked"):  # the spanning headers drawn one group after another, top to bottom
            for g in range(len(spans[0])):
                for n, header in enumerate(spans):
                    _spanning(pdf, right, header, g, top + 5 * n)
            pdf.set_y(top + 5 * len(spans))
            headers = headers[len(spans) :]
        for header in headers:
            if len(header) < columns:
                for g in range(len(header)):
                    _spanning(pdf, right, header, g, pdf.get_y())
            else:
                for k, text in enumerate(header):
                    pdf.set_x(right[k] - 25)
                    pdf.cell(25, 5, text, align="R")
            pdf.ln(5)
        for label, *values in page["rows"]:
            pdf.set_x(10)
            pdf.cell(70, 5, label)
            for k, value in enumerate(values):
                pdf.set_x(right[k] - 25)
                pdf.cell(25, 5, value, align="R")
            pdf.ln(5)
    return bytes(pdf.output())
