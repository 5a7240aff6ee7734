"""PDF pages via pypdf, parsed in a child process so a hostile file cannot hang or exhaust us."""

import json
import os
import subprocess
import time
from dataclasses import dataclass, field

from .child import last_line, parser_slots, payload, spawn
from .errors import (
    CorruptPDFError,
    EmptyDocumentError,
    EncryptedPDFError,
    MissingDecoderError,
    ParseLimitError,
    ScannedPDFError,
)


@dataclass(frozen=True)
class PDFLimits:
    """Bounds on parsing one untrusted PDF (pypdf reads content streams at about 0.5 MB/s)."""

    timeout_s: float = 300.0  # wall clock, the whole document
    memory_bytes: int = 4 << 30  # per worker
    workers: int = min(os.cpu_count() or 1, 4)
    page_content_bytes: int = 4 << 20  # a page drawing more is skipped, with a warning
    expansion: float = 100.0  # content expanding past this many times the file's size is a bomb...
    expansion_floor_bytes: int = 32 << 20  # ...once it is past this size
    cpu_seconds_base: float = 20.0  # CPU budget of a document: base + per page
    cpu_seconds_per_page: float = 1.0
    # pypdf refuses arrays and dictionaries past 100,000 entries; a real 72-page 10-Q (Microsoft's)
    # holds a larger one, and the worker's memory and time limits already bound what a big one costs
    object_elements: int = 4_000_000

    def worker_limits(self) -> dict:
        return {
            name: getattr(self, name)
            for name in (
                "page_content_bytes",
                "expansion",
                "expansion_floor_bytes",
                "cpu_seconds_base",
                "cpu_seconds_per_page",
                "object_elements",
            )
        }


@dataclass
class ExtractedPDF:
    labels: list[str]
    texts: list[str]
    statuses: list[str]  # per page: text, blank, image, vector, error, decoder, limit (see pdf_worker)
    details: list[str]
    warnings: list[str] = field(default_factory=list)

    def no_text_error(self, name: str):
        """The typed error for a PDF none of whose pages gave text: the most common cause names
        it, and the message counts every cause."""
        if not self.statuses:
            return EmptyDocumentError(f"{name}: the PDF has no pages: there is nothing to read.")
        causes = {}
        for number, (status, detail) in enumerate(zip(self.statuses, self.details), start=1):
            causes.setdefault(status, []).append((number, detail))
        main = max(CAUSES, key=lambda status: (len(causes.get(status, ())), -CAUSES.index(status)))
        told = "; ".join(_cause_text(status, causes[status]) for status in CAUSES if status in causes)
        error, fix = NO_TEXT[main]
        return error(f"{name}: none of its {len(self.statuses)} page(s) has extractable text: {told}. {fix}")

    def page_warnings(self) -> list[str]:
        """One warning per cause for pages without text, in a document that has some."""
        causes = {}
        for number, (status, detail) in enumerate(zip(self.statuses, self.details), start=1):
            if status != "text":
                causes.setdefault(status, []).append((number, detail))
        return [
            f"page(s) without extractable text: {_cause_text(status, causes[status])}"
            for status in CAUSES
            if status in causes
        ]


OCR_FIX = (
    "longdoc reads such pages by OCR when `rapidocr` and `onnxruntime` are installed (pip install rapidocr "
    "onnxruntime pypdfium2) and OCR is not disabled; or run OCR first (e.g. `ocrmypdf in.pdf out.pdf`)."
)
# Causes of a page without text, most specific first (ties go to the earlier), and what to do.
CAUSES = ("decoder", "limit", "unread", "error", "image", "vector", "garbage", "blank")
NO_TEXT = {
    "decoder": (
        MissingDecoderError,
        "Install the optional decoder it needs (pip install 'pypdf[brotli]') and load it again.",
    ),
    "limit": (ParseLimitError, "Its pages are too large to read safely; raise PDFLimits if you trust the file."),
    "unread": (ParseLimitError, "Raise OCRLimits (max_pages, timeout_s) if the pages are worth the time."),
    "error": (CorruptPDFError, "Re-export or repair it (e.g. `qpdf --repair in.pdf out.pdf`) and try again."),
    "image": (ScannedPDFError, f"It looks scanned: {OCR_FIX}"),
    "vector": (ScannedPDFError, f"Its text is drawn as shapes: {OCR_FIX}"),
    "garbage": (ScannedPDFError, f"Its text layer is not text: {OCR_FIX}"),
    "blank": (EmptyDocumentError, "There is nothing to read."),
}
CAUSE_NAMES = {
    "decoder": "need a missing decoder",
    "limit": "too large to read",
    "unread": "need OCR and were not read",
    "error": "could not be parsed",
    "image": "are images",
    "vector": "draw text as shapes or without Unicode",
    "garbage": "have a text layer that is not text",
    "blank": "are blank",
}


def page_list(numbers: list[int]) -> str:
    """ "page 3", or "pages 1, 2, 5" (the first 8, then "...")."""
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    return "pages " + ", ".join(map(str, numbers[:8])) + (" ..." if len(numbers) > 8 else "")


def _cause_text(status: str, pages: list[tuple[int, str]]) -> str:
    first, detail = pages[0]
    where = page_list([n for n, _ in pages])
    if detail:
        where += f": {detail}" if len(pages) == 1 else f"; page {first}: {detail}"
    return f"{len(pages)} {CAUSE_NAMES[status]} ({where})"


def extract_pdf(data: bytes, *, name: str = "PDF", password: str = "", limits: PDFLimits = PDFLimits()) -> ExtractedPDF:
    """Text and label of every page. Raises EncryptedPDFError, CorruptPDFError or ParseLimitError.

    Pages are shared among up to `limits.workers` child processes (pypdf is pure Python: one
    core each), each bounded in memory and time.
    """
    handed = payload(data, password)
    with parser_slots(limits.workers) as parts:
        settings = {"parts": parts, "limits": limits.worker_limits()}
        workers = [
            spawn("pdf_worker", {**settings, "part": part}, limits.memory_bytes, limits.timeout_s)
            for part in range(parts)
        ]
        deadline = time.monotonic() + limits.timeout_s
        try:
            results = [_result(worker, handed, deadline, name, password, limits) for worker in workers]
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()
    pages = {}
    for result in results:
        pages.update({int(i): page for i, page in result["pages"].items()})
    ordered = [pages[i] for i in range(results[0]["count"])]
    return ExtractedPDF(
        [p["label"] for p in ordered],
        [p["text"] for p in ordered],
        [p["status"] for p in ordered],
        [p["detail"] for p in ordered],
    )


def _result(
    worker: subprocess.Popen, handed: bytes, deadline: float, name: str, password: str, limits: PDFLimits
) -> dict:
    try:
        stdout, stderr = worker.communicate(handed, timeout=max(deadline - time.monotonic(), 0.001))
    except subprocess.TimeoutExpired:
        raise ParseLimitError(
            f"{name}: parsing took longer than {limits.timeout_s:g} s and was stopped; the file may be "
            "malformed or hostile. Raise PDFLimits.timeout_s if you trust it."
        ) from None
    try:
        result = json.loads(stdout)
    except json.JSONDecodeError:
        tail = last_line(stderr, worker.returncode)
        if "MemoryError" in tail or worker.returncode < 0:  # killed: out of memory or CPU (SIGXCPU)
            raise ParseLimitError(
                f"{name}: parsing exceeded its limits ({limits.memory_bytes >> 20} MiB, "
                f"{limits.timeout_s:g} s) and was stopped ({tail}). Raise PDFLimits if you trust the file."
            ) from None
        raise CorruptPDFError(f"{name}: the PDF parser failed ({tail}).") from None
    error = result.get("error")
    if error == "encrypted":
        hint = "the password given is wrong" if password else "it is password-protected; pass password=..."
        raise EncryptedPDFError(f"{name}: encrypted PDF, {hint} ({result['detail']}).")
    if error == "corrupt":
        raise CorruptPDFError(
            f"{name}: damaged or not really a PDF ({result['detail']}). Re-export or repair it "
            "(e.g. `qpdf --repair in.pdf out.pdf`) and try again."
        )
    if error == "memory":
        raise ParseLimitError(f"{name}: parsing exceeded its memory limit ({result['detail']}).")
    if error == "limit":
        raise ParseLimitError(f"{name}: {result['detail']}; it was not read. Raise PDFLimits if you trust the file.")
    if error == "decoder":
        raise MissingDecoderError(f"{name}: {result['detail']}")
    return result
