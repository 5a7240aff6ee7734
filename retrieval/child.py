"""What the bounded child processes share (PDF text, OCR, page pictures): how the parent hands over
a document and its password, how a child bounds itself, how a failure is named.

stdin carries a 4-byte big-endian password length, the UTF-8 password, then the document bytes.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the children's cwd: `-m retrieval.…`


MAX_PARSERS = max(2, os.cpu_count() or 1)  # parser processes at once, all documents together
_free = MAX_PARSERS
_slots = threading.Condition()


@contextmanager
def parser_slots(wanted: int = 1):
    """Up to `wanted` of the machine's MAX_PARSERS parser processes, waited for in turn (four
    uploads at once parse one after another instead of starting 8 parsers); yields how many."""
    global _free
    wanted = max(1, min(wanted, MAX_PARSERS))
    with _slots:
        _slots.wait_for(lambda: _free >= wanted)
        _free -= wanted
    try:
        yield wanted
    finally:
        with _slots:
            _free += wanted
            _slots.notify_all()


def payload(data: bytes, password: str) -> bytes:
    secret = password.encode("utf-8")
    return len(secret).to_bytes(4, "big") + secret + data


def read_payload() -> tuple[str, bytes]:
    """(password, document bytes) from stdin, in a child."""
    raw = sys.stdin.buffer.read()
    size = int.from_bytes(raw[:4], "big")
    return raw[4 : 4 + size].decode("utf-8"), raw[4 + size :]


def limit(memory_bytes: int, cpu_seconds: int) -> None:
    """Bound this child's address space and CPU time (SIGXCPU past it)."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def last_line(stderr: bytes, returncode: int | None) -> str:
    """Why a child failed: its last line on stderr, else its exit status."""
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1][:300] if lines else f"exit status {returncode}"
