"""The documents a server holds: uploaded bytes (never a server path), parsed and indexed in the
background, kept under the cache directory so they survive a restart.

An upload gets its id at once (the sha256 of its bytes, which is also its parsed Document's
id); `status` goes "parsing" -> "indexing" -> "ready" (BM25 ready; the dense index joins in the
background) or "failed" with the typed error's name and message.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

from retrieval.cache import write_atomic

SAFE_NAME = re.compile(r"[^\w.\- ]+")


@dataclass
class Entry:
    id: str
    name: str
    bytes: int
    created: int
    status: str = "parsing"
    progress: float = 0.0
    error: dict | None = None
    pages: int | None = None
    chunks: int | None = None
    index: object = field(default=None, repr=False)

    def public(self) -> dict:
        view = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "index"}
        return {"object": "document", **view}


class DocumentStore:
    def __init__(self, folder: Path, embedder="default", cache_dir: Path | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.embedder, self.cache_dir = embedder, cache_dir
        self.entries: dict[str, Entry] = {}
        self._lock = threading.Lock()
        for row in self._registry():  # documents of an earlier run: reopened from their caches
            if (self.folder / row["id"]).is_file():
                self._start(Entry(row["id"], row["name"], row["bytes"], row["created"]))

    def add(self, data: bytes, name: str) -> Entry:
        digest = hashlib.sha256(data).hexdigest()
        name = SAFE_NAME.sub("_", Path(name or "document.txt").name)[:120] or "document.txt"
        with self._lock:
            if digest in self.entries and self.entries[digest].status != "failed":
                return self.entries[digest]
            write_atomic(self.folder / digest, data)
            entry = Entry(digest, name, len(data), int(time.time()))
            self.entries[digest] = entry
            self._save()
        self._start(entry)
        return entry

    def get(self, document_id: str) -> Entry | None:
        return self.entries.get(document_id)

    def delete(self, document_id: str) -> bool:
        with self._lock:
            entry = self.entries.pop(document_id, None)
            if entry is None:
                return False
            (self.folder / document_id).unlink(missing_ok=True)
            self._save()
        return True

    def _start(self, entry: Entry) -> None:
        self.entries[entry.id] = entry
        threading.Thread(target=self._build, args=(entry,), daemon=True, name="longdoc-document").start()

    def _build(self, entry: Entry) -> None:
        from retrieval import DocumentIndex, load_document

        try:
            document = load_document((self.folder / entry.id).read_bytes(), filename=entry.name, cache_dir=self.cache_dir)
            entry.status, entry.pages = "indexing", len(document.pages)

            def progress(stage, fraction):
                entry.progress = fraction if stage == "bm25" else entry.progress

            index = DocumentIndex.build(document, embedder=self.embedder, cache_dir=self.cache_dir, background=True,
                                        progress=progress)
            entry.index, entry.chunks, entry.progress, entry.status = index, len(index.chunks), 1.0, "ready"
        except Exception as error:  # the typed error is the document's status
            entry.status, entry.error = "failed", {"type": type(error).__name__, "message": str(error)}

    def _registry(self) -> list[dict]:
        try:
            rows = json.loads((self.folder / "registry.json").read_bytes())
            return [r for r in rows if isinstance(r, dict) and re.fullmatch(r"[0-9a-f]{64}", str(r.get("id")))]
        except (OSError, ValueError, TypeError):
            return []

    def _save(self) -> None:
        rows = [{"id": e.id, "name": e.name, "bytes": e.bytes, "created": e.created} for e in self.entries.values()]
        write_atomic(self.folder / "registry.json", json.dumps(rows).encode())
