"""OCR for PDF pages without a usable text layer (scans, outlined text, glyph-name garbage).

Pages are rendered by pdfium and read by RapidOCR (PP-OCR detection and recognition models that
ship inside its wheel, run by onnxruntime on the CPU, offline; English and Chinese). The work
runs in a child process bounded in memory and time (`retrieval.ocr_worker`); pages arrive one by
one, so progress is reported per page and what was read before a limit is kept.
"""

from __future__ import annotations

import importlib.util
import json
import queue
import threading
import time
from dataclasses import dataclass

from .child import last_line, parser_slots, payload, spawn

MEMORY_FLOOR = 1 << 30


@dataclass(frozen=True)
class OCRLimits:
    """Bounds on reading one document by OCR (about 1-3 s a page on 2 CPU cores)."""

    enabled: bool = True
    max_pages: int = 200  # pages past this many are left unread, with a warning
    timeout_s: float = 900.0  # wall clock for all of a document's OCR
    memory_bytes: int = 6 << 30  # the child's address space (onnxruntime reserves generously)
    scale: float = 2.0  # render scale: 2 = 144 dpi, enough for 9-pt text


@dataclass
class OCRPage:
    text: str
    lines: list  # [[start, end, x0, y0, x1, y1]]: offsets in `text`, box in fractions of the page
    seconds: float


def ocr_available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("rapidocr", "onnxruntime", "pypdfium2"))


def read_pages(
    data: bytes, pages: list[int], *, password: str = "", limits: OCRLimits = OCRLimits(), progress=None
) -> tuple[dict[int, OCRPage], dict[int, str]]:
    """OCR the 0-based `pages` of a PDF: (read pages, {page: why it was not read})."""
    todo = pages[: limits.max_pages]
    unread = {page: f"over the OCR budget of {limits.max_pages} pages" for page in pages[limits.max_pages :]}
    if not todo:
        return {}, unread
    with parser_slots():
        return _read(data, todo, unread, password, limits, progress)


def _read(data: bytes, todo: list[int], unread: dict[int, str], password: str, limits: OCRLimits, progress):
    settings = {"pages": todo, "scale": limits.scale}
    worker = spawn("ocr_worker", settings, max(limits.memory_bytes, MEMORY_FLOOR), limits.timeout_s)
    lines: queue.Queue = queue.Queue()

    def feed():
        try:
            worker.stdin.write(payload(data, password))
            worker.stdin.close()
        except OSError:  # the worker died early: its missing pages say so
            pass

    def drain():
        for line in worker.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=feed, daemon=True).start()
    threading.Thread(target=drain, daemon=True).start()
    stderr: list[bytes] = []
    threading.Thread(target=lambda: stderr.append(worker.stderr.read()), daemon=True).start()
    deadline, done = time.monotonic() + limits.timeout_s, {}
    try:
        while len(done) + sum(page in unread for page in todo) < len(todo):
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                break
            if line is None:
                break
            row = json.loads(line)
            if "error" in row:
                unread[row["page"]] = f"it could not be rendered ({row['error']})"
                continue
            done[row["page"]] = OCRPage(row["text"], row["lines"], row["seconds"])
            if progress is not None:
                progress("ocr", len(done) / len(todo))
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
    missing = [page for page in todo if page not in done and page not in unread]
    if missing:
        why = (
            f"the OCR time limit of {limits.timeout_s:g} s was reached"
            if time.monotonic() >= deadline
            else f"the OCR engine stopped ({last_line(b''.join(stderr), worker.returncode)})"
        )
        unread.update({page: why for page in missing})
    return done, unread
