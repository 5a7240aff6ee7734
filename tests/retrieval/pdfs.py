"""Real PDFs made by the tests: fpdf2 writes pages, pypdf adds labels and encryption."""
import io

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle


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


def rewrite(data: bytes, *, roman_front_pages: int = 0, user_password: str | None = None,
            owner_password: str | None = None, algorithm: str = "AES-256") -> bytes:
    """Add page labels (i, ii, ... then 1, 2, ...) and/or encryption to a PDF."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    if roman_front_pages:
        writer.set_page_label(0, roman_front_pages - 1, style=PageLabelStyle.LOWERCASE_ROMAN, start=1)
        writer.set_page_label(roman_front_pages, len(writer.pages) - 1, style=PageLabelStyle.DECIMAL, start=1)
    if user_password is not None:
        writer.encrypt(user_password, owner_password, algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
