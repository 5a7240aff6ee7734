"""OCR of scanned pages: character accuracy and seconds per page, English and Chinese.

Pages of real text are typeset (fpdf2), rendered to pictures (pdfium) and put back as PDFs with
no text layer, as a scanner would; some scans are made worse (a lower resolution, a slight tilt
with blur and speckle). `load_document` reads them by OCR and its text is compared with what was
typeset: character error rate = edit distance / reference length, spaces ignored (line breaks
and the spacing of CJK text are layout, not content).

    python -m benchmarks.ocr [--pages 4]
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

from benchmarks.common import write_table
from benchmarks.corpus import real_text
from retrieval import ParseLimitError, load_document
from retrieval.ocr import OCRLimits
from tests.retrieval.pdfs import font_pdf

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
PAGE_CHARS = 2000  # a page of 10-point text
LIMIT_S = 60  # a page: a scan that takes longer is reported as such
LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")  # the corpus has curly quotes and dashes
# The Analects (论语), book 1 (学而), public domain.
ANALECTS = (
    "子曰：学而时习之，不亦说乎？有朋自远方来，不亦乐乎？人不知而不愠，不亦君子乎？"
    "有子曰：其为人也孝弟，而好犯上者，鲜矣；不好犯上，而好作乱者，未之有也。君子务本，本立而道生。孝弟也者，其为仁之本与！"
    "子曰：巧言令色，鲜矣仁！曾子曰：吾日三省吾身：为人谋而不忠乎？与朋友交而不信乎？传不习乎？"
    "子曰：道千乘之国，敬事而信，节用而爱人，使民以时。子曰：弟子入则孝，出则弟，谨而信，泛爱众，而亲仁。行有余力，则以学文。"
    "子夏曰：贤贤易色；事父母，能竭其力；事君，能致其身；与朋友交，言而有信。虽曰未学，吾必谓之学矣。"
    "子曰：君子不重则不威，学则不固。主忠信，无友不如己者，过则勿惮改。曾子曰：慎终追远，民德归厚矣。"
)


def pages_of(words: list[str], count: int) -> list[str]:
    """`count` pages of about PAGE_CHARS characters of consecutive words; rules of repeated
    characters (reST's `*****` under a title) are left out: their length is not legible."""
    words = iter(w for w in words if not (len(w) > 3 and len(set(w)) == 1))
    pages = []
    for _ in range(count):
        page: list[str] = []
        while sum(map(len, page)) + len(page) < PAGE_CHARS:
            page.append(next(words))
        pages.append(" ".join(page))
    return pages


def scan(pages: list[str], *, dpi: int, worn: bool, font: str | None = None, size: int = 11) -> bytes:
    """Typeset `pages`, render each at `dpi`, and make a PDF of the pictures (worn: tilted 0.6
    degrees, blurred, speckled)."""
    import random

    import pypdfium2
    from fpdf import FPDF
    from PIL import ImageFilter

    typed = pypdfium2.PdfDocument(font_pdf(pages, font=font, size=size))
    pdf, rng = FPDF(), random.Random(0)
    for i in range(len(typed)):
        picture = typed[i].render(scale=dpi / 72).to_pil().convert("L")
        if worn:
            picture = picture.rotate(0.6, fillcolor=255, expand=False).filter(ImageFilter.GaussianBlur(0.8))
            pixels = picture.load()
            for _ in range(picture.size[0] * picture.size[1] // 400):  # 1 pixel in 400: a dirty scan
                pixels[rng.randrange(picture.size[0]), rng.randrange(picture.size[1])] = rng.choice((0, 255))
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        pdf.add_page()
        pdf.image(buffer, x=0, y=0, w=pdf.w, h=pdf.h)
    return bytes(pdf.output())


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def error_rate(reference: str, read: str) -> float:
    ref, hyp = "".join(reference.split()), "".join(read.split())
    return edit_distance(ref, hyp) / max(len(ref), 1)


def measure(label: str, pages: list[str], **options) -> list:
    data = scan(pages, **options)
    start = time.perf_counter()
    try:
        document = load_document(data, filename="scan.pdf", ocr=OCRLimits(timeout_s=LIMIT_S * len(pages)))
    except ParseLimitError:
        return [label, len(pages), "", "not read", "", f"over {LIMIT_S} s a page (stopped)"]
    seconds = (time.perf_counter() - start) / len(pages)
    rates = [error_rate(reference, page.text) for reference, page in zip(pages, document.pages)]
    chars = sum(len("".join(p.split())) for p in pages)
    return [
        label,
        len(pages),
        f"{chars:,}",
        f"{100 * sum(rates) / len(rates):.2f}%",
        f"{100 * max(rates):.2f}%",
        f"{seconds:.2f} s",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=4)
    args = parser.parse_args()
    en_pages = pages_of(real_text(PAGE_CHARS * args.pages).split(), args.pages)
    latin = dict(font=str(LATIN_FONT), size=10)
    rows = [
        measure("English, 150 dpi", en_pages, dpi=150, worn=False, **latin),
        measure("English, 100 dpi", en_pages, dpi=100, worn=False, **latin),
        measure("English, 150 dpi, worn (tilt, blur, speckle)", en_pages, dpi=150, worn=True, **latin),
    ]
    if CJK_FONT.is_file():
        half = len(ANALECTS) // 2
        zh_pages = [ANALECTS[:half], ANALECTS[half:]]
        rows += [
            measure("Chinese, 150 dpi", zh_pages, dpi=150, worn=False, font=str(CJK_FONT), size=14),
            measure("Chinese, 150 dpi, worn", zh_pages, dpi=150, worn=True, font=str(CJK_FONT), size=14),
        ]
    notes = (
        "Engine: RapidOCR (PP-OCRv6 small detection and recognition, in its wheel) on onnxruntime, CPU, pages "
        "rendered by pdfium at 144 dpi for recognition; the line-angle classifier is off (it turned upright lines "
        "over on clean scans). Character error rate = edit distance / reference characters, spaces ignored; "
        "seconds per page include rendering and the child process's start (the models load once per document)."
    )
    write_table(
        "ocr",
        "OCR of scanned pages, 2 CPU cores",
        ["scan", "pages", "characters", "error rate (mean)", "error rate (worst page)", "seconds a page"],
        rows,
        notes,
    )


if __name__ == "__main__":
    main()
