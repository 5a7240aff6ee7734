"""Reading a file of this machine for a visitor: only inside the folders the operator allowed
(`longdoc ui --allow-path DIR`), symlinks and `..` resolved before the check, and the file that
is opened checked again (a link swapped in meanwhile is caught). Outside them nothing is
opened, and the message does not say whether such a file exists."""

from __future__ import annotations

import os
from pathlib import Path

from retrieval.document import DEFAULT_MAX_BYTES, read_file
from retrieval.errors import DocumentAccessError


class PathNotAllowedError(DocumentAccessError):
    """A path outside the folders this app may read from."""


def _inside(path: Path, folders: tuple[Path, ...]) -> bool:
    return any(path == folder or path.is_relative_to(folder) for folder in folders)


def read_allowed(text: str, folders: tuple[Path, ...], max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[bytes, str]:
    """(bytes, file name) of the file at `text` (absolute, or relative to the first allowed
    folder); PathNotAllowedError unless it lies inside `folders`."""
    if not folders:
        raise PathNotAllowedError("this app reads no file of the server: upload the document instead")
    if "\x00" in text or any(ord(c) < 32 for c in text.strip()):
        raise PathNotAllowedError("a path holds no NUL or control characters; type the file's path as it is")
    given = Path(text.strip()).expanduser()
    path = Path(os.path.realpath(given if given.is_absolute() else folders[0] / given))
    if not _inside(path, folders):
        raise PathNotAllowedError(
            f"{text.strip()!r} is outside the folders this app may read: " + ", ".join(str(f) for f in folders)
        )
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        fd = None  # read_file names the cause (absent, a directory, not readable)
    if fd is not None and os.path.isdir("/proc/self/fd"):
        opened = Path(os.path.realpath(f"/proc/self/fd/{fd}"))
        if not _inside(opened, folders):
            os.close(fd)
            raise PathNotAllowedError(
                f"{text.strip()!r} changed while it was opened; it is outside the allowed folders"
            )
    return read_file(path, max_bytes, opened=fd), path.name
