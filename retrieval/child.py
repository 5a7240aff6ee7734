"""What the bounded child processes share (PDF text, OCR, other formats, page pictures): how the
parent starts one, hands over a document and its password, how a child bounds itself, how a
failure is named.

Every worker is started the one way `spawn` does: `python -m retrieval.<worker> MEMORY_BYTES
CPU_SECONDS SETTINGS_JSON`, read in the child by `bounded()`. stdin carries a 4-byte big-endian
password length, the UTF-8 password, then the document bytes. What a worker writes to stdout is
its own (JSON, JSON lines, a PNG): each parent reads its worker's.
"""

from __future__ import annotations

import json
import os
import subprocess
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


def spawn(worker: str, settings: dict, memory_bytes: int, timeout_s: float) -> subprocess.Popen:
    """The child `retrieval.<worker>` bounded to `memory_bytes` and `timeout_s` of CPU time (and a
    second), with `settings`; its pipes open."""
    argv = [sys.executable, "-m", f"retrieval.{worker}", str(memory_bytes), str(int(timeout_s) + 1)]
    return subprocess.Popen(
        [*argv, json.dumps(settings)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=PACKAGE_ROOT,
    )


def run(
    worker: str, settings: dict, memory_bytes: int, timeout_s: float, data: bytes, password: str = ""
) -> subprocess.CompletedProcess:
    """A child run to its end on `data`; subprocess.TimeoutExpired past `timeout_s` of wall time (killed)."""
    child = spawn(worker, settings, memory_bytes, timeout_s)
    try:
        stdout, stderr = child.communicate(payload(data, password), timeout=timeout_s)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        raise
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)


def bounded() -> tuple[int, dict]:
    """In a child: bound it as its command line says; (its memory limit, its settings)."""
    memory_bytes, cpu_seconds = int(sys.argv[1]), int(sys.argv[2])
    limit(memory_bytes, cpu_seconds)
    return memory_bytes, json.loads(sys.argv[3])


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
