"""PDF pages via pypdf, parsed in a child process so a hostile file cannot hang or exhaust us."""
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field

from .errors import CorruptPDFError, EncryptedPDFError, ParseLimitError


@dataclass(frozen=True)
class PDFLimits:
    """Bounds on parsing one untrusted PDF."""

    timeout_s: float = 300.0
    memory_bytes: int = 4 << 30  # per worker
    workers: int = min(os.cpu_count() or 1, 4)


@dataclass
class ExtractedPDF:
    labels: list[str]
    texts: list[str]
    warnings: list[str] = field(default_factory=list)


def extract_pdf(data: bytes, *, name: str = "PDF", password: str = "", limits: PDFLimits = PDFLimits()) -> ExtractedPDF:
    """Text and label of every page. Raises EncryptedPDFError, CorruptPDFError or ParseLimitError.

    Pages are shared among up to `limits.workers` child processes (pypdf is pure Python: one
    core each), each bounded in memory and time.
    """
    secret = password.encode("utf-8")
    payload = len(secret).to_bytes(4, "big") + secret + data
    parts = max(1, limits.workers)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "retrieval.pdf_worker", str(limits.memory_bytes), str(int(limits.timeout_s) + 1), str(part), str(parts)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=_package_root(),
        )
        for part in range(parts)
    ]
    deadline = time.monotonic() + limits.timeout_s
    try:
        results = [_result(worker, payload, deadline, name, password, limits) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    pages = {}
    for result in results:
        pages.update({int(i): page for i, page in result["pages"].items()})
    ordered = [pages[i] for i in range(results[0]["count"])]
    warnings = sorted({w for result in results for w in result["warnings"]})
    return ExtractedPDF([p["label"] for p in ordered], [p["text"] for p in ordered], warnings)


def _result(worker: subprocess.Popen, payload: bytes, deadline: float, name: str, password: str, limits: PDFLimits) -> dict:
    try:
        stdout, stderr = worker.communicate(payload, timeout=max(deadline - time.monotonic(), 0.001))
    except subprocess.TimeoutExpired:
        raise ParseLimitError(
            f"{name}: parsing took longer than {limits.timeout_s:g} s and was stopped; the file may be "
            "malformed or hostile. Raise PDFLimits.timeout_s if you trust it."
        ) from None
    try:
        result = json.loads(stdout)
    except json.JSONDecodeError:
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {worker.returncode}"]
        if "MemoryError" in tail[0] or worker.returncode < 0:
            raise ParseLimitError(
                f"{name}: parsing exceeded its limits ({limits.memory_bytes >> 20} MiB, "
                f"{limits.timeout_s:g} s) and was stopped ({tail[0]}). Raise PDFLimits if you trust the file."
            ) from None
        raise CorruptPDFError(f"{name}: the PDF parser failed ({tail[0]}).") from None
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
    return result


def _package_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
