"""Real DOCX, PPTX, EPUB and HTML files made by the tests (python-docx, python-pptx, zipfile)."""

import io
import zipfile

REVENUE = [
    ["Region", "Revenue (EUR m)", "Growth"],
    ["Lisbon", "2.3", "14%"],
    ["Porto", "1.1", "-3%"],
    ["Faro", "0.4", "7%"],
    ["Braga", "0.9", "5%"],
]


def docx_file(sections: list[tuple[str, list[str]]], table_after: int | None = None, table=REVENUE) -> bytes:
    """Heading 1 + paragraphs per section; a table at the end of section `table_after`."""
    import docx

    document = docx.Document()
    for i, (heading, paragraphs) in enumerate(sections):
        document.add_heading(heading, level=1)
        for text in paragraphs:
            document.add_paragraph(text)
        if i == table_after:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, value in enumerate(row):
                    grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pptx_file(slides: list[tuple[str, str]], notes: dict[int, str] | None = None, table_on: int | None = None) -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    for i, (title, body) in enumerate(slides):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        if i == table_on:
            shape = slide.shapes.add_table(len(REVENUE), 3, Inches(1), Inches(4), Inches(6), Inches(2))
            for r, row in enumerate(REVENUE):
                for c, value in enumerate(row):
                    shape.table.cell(r, c).text = value
        if i in (notes or {}):
            slide.notes_slide.notes_text_frame.text = notes[i]
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def epub_file(chapters: list[tuple[str, str]], extra_head: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:'
            'opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" '
            'media-type="application/oebps-package+xml"/></rootfiles></container>',
        )
        items = "".join(
            f'<item id="c{i}" href="text/ch{i}.xhtml" media-type="application/xhtml+xml"/>'
            for i in range(len(chapters))
        )
        spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
        archive.writestr(
            "OEBPS/content.opf",
            f'<?xml version="1.0"?>{extra_head}<package xmlns="http://www.idpf.org/2007/opf" '
            f'version="3.0"><manifest>{items}</manifest><spine>{spine}</spine></package>',
        )
        for i, (title, body) in enumerate(chapters):
            paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
            archive.writestr(
                f"OEBPS/text/ch{i}.xhtml",
                f'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">'
                f"<head><title>{title}</title></head><body><h1>{title}</h1>{paragraphs}"
                "<script>var tracker = 'NOT TEXT';</script></body></html>",
            )
    return out.getvalue()


def html_page(sections: list[tuple[str, str]], table_in: int | None = None) -> bytes:
    parts = []
    for i, (heading, text) in enumerate(sections):
        parts.append(f"<h2>{heading}</h2>" + "".join(f"<p>{p}</p>" for p in text.split("\n\n")))
        if i == table_in:
            rows = "".join(
                "<tr>" + "".join(f"<{'th' if r == 0 else 'td'}>{v}</{'th' if r == 0 else 'td'}>" for v in row) + "</tr>"
                for r, row in enumerate(REVENUE)
            )
            parts.append(f"<table>{rows}</table>")
    return (
        f"<!DOCTYPE html><html><head><title>Annual report</title><script>var secret = 'IGNORE ME';</script></head>"
        f"<body><nav><a href='/'>Home</a> | <a href='/jobs'>Jobs at the Lisbon office</a></nav>"
        f"<main>{''.join(parts)}</main><footer>Copyright 2024 Example SA</footer></body></html>"
    ).encode()
