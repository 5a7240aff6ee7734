"""Extract a PDF's pages in a child process under memory and CPU limits.

Run as `python -m retrieval.pdf_worker MEMORY_BYTES CPU_SECONDS PART PARTS`; stdin carries a
4-byte big-endian password length, the UTF-8 password, then the PDF bytes. The worker extracts
pages PART, PART + PARTS, ... (so several workers share a long PDF). stdout gets one JSON object:
{"count": n, "pages": {index: {"label", "text"}}, "warnings": [...]} or {"error": kind, "detail": str}.
JSON only: the parent never unpickles what an untrusted file produced.
"""
import io
import json
import sys


def _limit(memory_bytes: int, cpu_seconds: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def extract(data: bytes, password: str, part: int = 0, parts: int = 1) -> dict:
    import logging

    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # "incorrect startxref" and kin are noise
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt(password) == PasswordType.NOT_DECRYPTED:
            return {"error": "encrypted", "detail": "wrong password" if password else "needs a password"}
        pages = reader.pages
        labels = list(reader.page_labels)
        count = len(pages)
    except (FileNotDecryptedError,) as error:
        return {"error": "encrypted", "detail": str(error)}
    except DependencyError as error:
        return {"error": "encrypted", "detail": f"{error} (install pypdf[crypto])"}
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        return {"error": "corrupt", "detail": f"{type(error).__name__}: {error}"}
    out, warnings = {}, []
    for i in range(part, count, parts):
        try:
            text = pages[i].extract_text() or ""
        except MemoryError:
            raise
        except Exception as error:  # one bad page must not lose the others
            warnings.append(f"page {i + 1}: text not extracted ({type(error).__name__}: {error})")
            text = ""
        label = labels[i] if i < len(labels) else str(i + 1)
        out[i] = {"label": label, "text": text}
    return {"count": count, "pages": out, "warnings": warnings}


def main() -> None:
    memory_bytes, cpu_seconds, part, parts = map(int, sys.argv[1:5])
    _limit(memory_bytes, cpu_seconds)
    raw = sys.stdin.buffer.read()
    size = int.from_bytes(raw[:4], "big")
    password, data = raw[4 : 4 + size].decode("utf-8"), raw[4 + size :]
    try:
        result = extract(data, password, part, parts)
    except MemoryError:
        result = {"error": "memory", "detail": f"needed more than {memory_bytes >> 20} MiB"}
    except RecursionError as error:
        result = {"error": "corrupt", "detail": f"RecursionError: {error}"}
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
