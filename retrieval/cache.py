"""The on-disk cache of parsed documents and indexes: where it lives, how files get there
(atomically), and how damaged ones are told apart from good ones.

Nothing read back from the cache is trusted: every reader validates what it loads (shapes,
ranges, checksums) and raises `DamagedCacheError`; its caller removes the entry, logs a warning
and rebuilds. Temporaries left by killed writers are swept when a cache directory is first used.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import stat
import tempfile
import threading
import time
from pathlib import Path

DEFAULT_CACHE_DIR = Path.home() / ".cache" / "longdoc"
TEMPORARY_PREFIX = "."  # every temporary name starts with a dot; entries never do
STALE_AFTER_S = 3600.0  # a temporary this old belongs to a writer that died

log = logging.getLogger(__name__)
_swept: set[str] = set()
_sweeping = threading.Lock()


class DamagedCacheError(Exception):
    """A cached file that does not hold what it claims: removed and rebuilt, never served."""


def open_cached(path: Path):
    """A binary file object on the cache entry `path`, only if it is a regular file and not a
    link: a FIFO left in the cache dir hung a read until killed, and a link could point anywhere.
    DamagedCacheError otherwise (its caller rebuilds the entry)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == getattr(os, "ELOOP", None) or os.path.islink(path):
            raise DamagedCacheError(f"{Path(path).name} is a link, not a cache file") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DamagedCacheError(f"{Path(path).name} is not a regular file (a pipe or a device?)")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_cached(path: Path) -> bytes:
    """The bytes of the cache entry `path` (regular files only: see open_cached)."""
    with open_cached(path) as handle:
        return handle.read()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open_cached(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers see all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{TEMPORARY_PREFIX}{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def temporary_path(path: Path) -> Path:
    """A fresh name beside `path` for a writer that cannot take a file object (faiss, numpy)."""
    return path.with_name(f"{TEMPORARY_PREFIX}{path.name}.{os.getpid()}.{threading.get_ident()}.{time.monotonic_ns()}")


def discard(path: Path, why: str) -> None:
    """Remove a damaged entry (file or folder) so that it is rebuilt."""
    log.warning("cache entry %s is damaged (%s); rebuilding it", path, why)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def sweep_stale(cache_dir: Path, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove temporaries (files and folders whose names start with a dot) that no writer has
    touched for `older_than_s`: what writers killed mid-write left behind. Once per directory
    and process unless `older_than_s` is given explicitly."""
    key = str(Path(cache_dir).resolve())
    with _sweeping:
        if older_than_s == STALE_AFTER_S and key in _swept:
            return []
        _swept.add(key)
    removed, now = [], time.time()
    try:
        entries = list(os.scandir(cache_dir))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(TEMPORARY_PREFIX):
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime < older_than_s:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
    if removed:
        log.info("removed %d stale temporaries from %s", len(removed), cache_dir)
    return removed
