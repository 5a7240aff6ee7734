"""Read a DOCX, PPTX, EPUB or HTML document in a child process under memory and CPU limits.

Run as `python -m retrieval.format_worker MEMORY_BYTES CPU_SECONDS KIND NAME`; stdin carries the
payload of `retrieval.child` (an empty password, then the document's bytes). stdout gets one JSON
object: {"texts": [...], "labels": [...]} or {"error": the typed error's class name, "message": str}.
JSON only: the parent never unpickles what an untrusted file produced.
"""

import json
import sys

from retrieval.child import bounded, read_payload
from retrieval.errors import DocumentError


def near_ceiling(memory_bytes: int) -> bool:
    """Whether this process reached its address-space limit: lxml and imports fail then with
    errors ("unknown error", "failed to map segment") that look like damage but are not."""
    try:
        with open("/proc/self/status") as status:
            peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmPeak"))
    except (OSError, StopIteration):
        return False
    return peak_kib * 1024 > 0.9 * memory_bytes


def main() -> None:
    memory_bytes, settings = bounded()
    kind, name = settings["kind"], settings["name"]
    try:
        _, data = read_payload()  # inside: copying the payload may be what runs out of memory
        from retrieval.formats import FORMAT

        sections = FORMAT[kind].reader(data, name)
        result = {"texts": sections.texts, "labels": sections.labels}
    except (DocumentError, MemoryError, ImportError) as error:
        if isinstance(error, (MemoryError, ImportError)) or near_ceiling(memory_bytes):
            result = {
                "error": "ParseLimitError",
                "message": f"{name}: reading it needed over {memory_bytes >> 20} MiB "
                "and was stopped; raise FormatLimits.memory_bytes if you trust it.",
            }
        else:
            result = {"error": type(error).__name__, "message": str(error)}
    sys.stdout.write(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
