"""PDF pages via pypdf, parsed in a child process so a hostile file cannot hang or exhaust us."""
import json
import subprocess
import sys
from dataclasses import dataclass, field

from .errors import CorruptPDFError, EncryptedPDFError, ParseLimitError


@dataclass(frozen=True)
class PDFLimits:
    """Bounds on parsing one untrusted PDF."""

    timeout_s: float = 300.0
    memory_bytes: int = 4 << 30


@dataclass
class ExtractedPDF:
    labels: list[str]
    texts: list[str]
    warnings: list[str] = field(default_factory=list)


def extract_pdf(data: bytes, *, name: str = "PDF", password: str = "", limits: PDFLimits = PDFLimits()) -> ExtractedPDF:
    """Text and label of every page. Raises EncryptedPDFError, CorruptPDFError or ParseLimitError."""
    secret = password.encode("utf-8")
    command = [sys.executable, "-m", "retrieval.pdf_worker", str(limits.memory_bytes), str(int(limits.timeout_s) + 1)]
    try:
        done = subprocess.run(
            command,
            input=len(secret).to_bytes(4, "big") + secret + data,
            capture_output=True,
            timeout=limits.timeout_s,
            cwd=_package_root(),
        )
    except subprocess.TimeoutExpired:
        raise ParseLimitError(
            f"{name}: parsing took longer than {limits.timeout_s:g} s and was stopped; the file may be "
            "malformed or hostile. Raise PDFLimits.timeout_s if you trust it."
        ) from None
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        if "MemoryError" in tail[0] or done.returncode < 0:
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
    pages = result["pages"]
    return ExtractedPDF([p["label"] for p in pages], [p["text"] for p in pages], result["warnings"])


def _package_root() -> str:
    import os

    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
