"""Extract a PDF's pages in a child process under memory and CPU limits.

Run as `python -m retrieval.pdf_worker MEMORY_BYTES CPU_SECONDS SETTINGS_JSON` ({"part", "parts",
"limits"}: `retrieval.child`); stdin
carries a 4-byte big-endian password length, the UTF-8 password, then the PDF bytes. The worker
extracts pages PART, PART + PARTS, ... (so several workers share a long PDF). stdout gets one
JSON object: {"count": n, "pages": {index: {"label", "text", "status", "detail"}}} or
{"error": kind, "detail": str}. JSON only: the parent never unpickles what an untrusted file produced.

Each page gets a status saying why it has text or not: "text", "blank" (draws nothing),
"image" (pictures: scanned), "vector" (draws paths or glyphs with no Unicode mapping, no
extractable text), "error" (pypdf failed on it; detail says why), "decoder" (needs an optional
decoder), "limit" (its content or the document's CPU budget was too large to read).

pypdf reads content streams at about 0.5 MB/s, so the cost of a page is the size of what it
draws. Before extracting, the worker sizes every page's content (decompressing only): pages over
`page_content_bytes` are skipped, pages drawing the very same content share one extraction, and
content expanding past `expansion` times the file's size (a decompression bomb) stops the
document at once. A CPU budget per page bounds what is left.
"""

import io
import json
import sys
import time

from retrieval.child import bounded, read_payload
from retrieval.pdf_tables import page_text
from retrieval.tables import may_hold_a_table

PAINTING = {b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"sh", b"Do", b"BI"}
TEXT = {b"Tj", b"TJ", b"'", b'"'}
SIZE_PROBE_BYTES = 1 << 20  # content smaller than this is parsed to tell blank from drawn pages


def _decoder_missing(error: Exception) -> bool:
    from pypdf.errors import DependencyError

    return isinstance(error, DependencyError) and "cryptography" not in str(error) and "AES" not in str(error)


def _streams(page, reader) -> list:
    """The streams a page's text extraction reads: its contents and the form XObjects it can
    reach (each once)."""
    from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

    found, seen, pending = [], set(), []
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else None
    items = list(contents) if isinstance(contents, ArrayObject) else [contents] if contents is not None else []
    for item in items:
        obj = item.get_object()  # the reader keeps resolved objects: one object per reference
        if id(obj) not in seen and isinstance(obj, StreamObject):
            seen.add(id(obj))
            found.append(obj)
    pending.append(page.get("/Resources"))
    depth = 0
    while pending and depth < 8:  # forms inside forms: a few levels
        next_level = []
        for resources in pending:
            resources = resources.get_object() if resources is not None else None
            if not isinstance(resources, DictionaryObject):
                continue
            xobjects = resources.get("/XObject")
            xobjects = xobjects.get_object() if xobjects is not None else None
            if not isinstance(xobjects, DictionaryObject):
                continue
            for ref in xobjects.values():
                obj = ref.get_object()
                if id(obj) in seen or not isinstance(obj, StreamObject) or obj.get("/Subtype") != "/Form":
                    continue
                seen.add(id(obj))
                found.append(obj)
                next_level.append(obj.get("/Resources"))
        pending, depth = next_level, depth + 1
    return found


def _has_images(page) -> bool:
    from pypdf.generic import DictionaryObject

    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else None
    xobjects = resources.get("/XObject") if isinstance(resources, DictionaryObject) else None
    xobjects = xobjects.get_object() if xobjects is not None else None
    if isinstance(xobjects, DictionaryObject):
        return any(ref.get_object().get("/Subtype") == "/Image" for ref in xobjects.values())
    return False


def _operators(data: bytes, reader) -> set[bytes]:
    from pypdf.generic import ContentStream

    stream = ContentStream(None, reader)
    stream.set_data(data)
    return {operator for _, operator in stream.operations}


def _without_text(page, reader, data: bytes) -> tuple[str, str]:
    """Status and detail of a page whose extraction gave no text."""
    if _has_images(page) or b"BI" in data and b"ID" in data:
        return "image", ""
    if not data.strip():
        return "blank", ""
    operators = _operators(data, reader) if len(data) <= SIZE_PROBE_BYTES else PAINTING
    if operators & TEXT:
        return "vector", "its text has no Unicode mapping (fonts without ToUnicode)"
    if operators & PAINTING:
        return "vector", "it draws only paths (vector graphics or outlined text)"
    return "blank", ""


def _content(streams) -> bytes:
    return b"".join(stream.get_data() for stream in streams)


def extract(data: bytes, password: str, part: int = 0, parts: int = 1, limits: dict | None = None) -> dict:
    import logging

    from pypdf import PasswordType, PdfReader, overwrite_configuration
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfReadError

    limits = {
        "page_content_bytes": 4 << 20,
        "expansion": 100.0,
        "expansion_floor_bytes": 32 << 20,
        "cpu_seconds_base": 20.0,
        "cpu_seconds_per_page": 1.0,
        "object_elements": 4_000_000,
        **(limits or {}),
    }
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # "incorrect startxref" and kin are noise
    overwrite_configuration(
        array_maximum_element_count=limits["object_elements"],
        dictionary_maximum_element_count=limits["object_elements"],
    )
    started = time.process_time()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt(password) == PasswordType.NOT_DECRYPTED:
            return {"error": "encrypted", "detail": "wrong password" if password else "needs a password"}
        pages = reader.pages
        labels = list(reader.page_labels)
        count = len(pages)
    except FileNotDecryptedError as error:
        return {"error": "encrypted", "detail": str(error)}
    except LimitReachedError as error:
        return {"error": "limit", "detail": f"an object of it is too large to read ({error})"}
    except DependencyError as error:
        if _decoder_missing(error):
            return {"error": "decoder", "detail": str(error)}
        return {"error": "encrypted", "detail": f"{error} (install pypdf[crypto])"}
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, NotImplementedError) as error:
        return {"error": "corrupt", "detail": f"{type(error).__name__}: {error}"}
    mine = list(range(part, count, parts))
    # Every worker sizes the whole document (decompressing is cheap next to extracting), so each
    # reaches the same verdict on a bomb. A stream drawn by several pages costs each of them.
    sizes, sized = {}, {}
    most = max(limits["expansion_floor_bytes"], limits["expansion"] * len(data))
    for i in range(count):
        try:
            for stream in _streams(pages[i], reader):
                if id(stream) not in sized:
                    sized[id(stream)] = len(stream.get_data())
                sizes[i] = sizes.get(i, 0) + sized[id(stream)]
        except MemoryError:
            raise
        except Exception:  # the page's own extraction reports it
            sizes[i] = 0
        if (drawn := sum(sizes.values())) > most:
            return {
                "error": "limit",
                "detail": f"its pages draw over {drawn >> 20} MiB of content from a "
                f"{max(len(data) >> 10, 1)} KiB file (a decompression bomb?)",
            }
    budget = limits["cpu_seconds_base"] / parts + limits["cpu_seconds_per_page"] * len(mine)
    out = {}
    for i in mine:
        label = labels[i] if i < len(labels) else str(i + 1)
        page = out[i] = {"label": label, "text": "", "status": "text", "detail": ""}
        if time.process_time() - started >= budget:  # >=: a coarse CPU clock may read 0 s spent
            page.update(status="limit", detail=f"the CPU budget of {budget:.0f} s for these pages was spent")
        elif sizes.get(i, 0) > limits["page_content_bytes"]:
            page.update(
                status="limit",
                detail=f"it draws {sizes[i] / 2**20:.1f} MiB of content, over the "
                f"{limits['page_content_bytes'] / 2**20:.0f} MiB a page may have",
            )
        else:
            try:
                text = pages[i].extract_text() or ""
                if text.strip():
                    # columns show only in layout text; the tables are read here, under this child's limits
                    layout = pages[i].extract_text(extraction_mode="layout") if may_hold_a_table(text) else ""
                    page["text"] = page_text(text, layout)
                else:
                    page["status"], page["detail"] = _without_text(
                        pages[i], reader, _content(_streams(pages[i], reader))
                    )
            except MemoryError:
                raise
            except Exception as error:  # one bad page must not lose the others
                page["status"] = "decoder" if _decoder_missing(error) else "error"
                page["detail"] = f"{type(error).__name__}: {error}"
    return {"count": count, "pages": out}


def main() -> None:
    memory_bytes, settings = bounded()
    part, parts, limits = settings["part"], settings["parts"], settings["limits"]
    password, data = read_payload()
    try:
        result = extract(data, password, part, parts, limits)
    except MemoryError:
        result = {"error": "memory", "detail": f"needed more than {memory_bytes >> 20} MiB"}
    except RecursionError as error:
        result = {"error": "corrupt", "detail": f"RecursionError: {error}"}
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
