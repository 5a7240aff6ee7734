"""The documents a server holds: uploaded bytes (never a server path), parsed and indexed in the
background, kept under the cache directory so they survive a restart.

An upload gets its id at once (the sha256 of its bytes, which is also its parsed Document's
id); `status` goes "parsing" -> "indexing" -> "ready" (BM25 ready; the dense index joins in the
background) or "failed" with the typed error's name and message.

The folder is the truth, so several server processes (behind one load balancer) can share it:
each document is its bytes `<id>` and its description `<id>.json`, each written atomically, with
no shared file to overwrite. A process learns of another's upload when asked for it (or for the
list) and builds its own index from the shared parse and index caches; a delete by any process
is seen by all.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field, fields
from pathlib import Path

from retrieval.cache import DamagedCacheError, read_cached, sweep_stale, write_atomic

SAFE_NAME = re.compile(r"[^\w.\- ]+")
DOCUMENT_ID = re.compile(r"[0-9a-f]{64}")
COLLECTION_ID = re.compile(r"col-[0-9a-f]{32}")
MAX_COLLECTION_DOCUMENTS = 1_000


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
        sweep_stale(self.folder)  # what uploads killed mid-write left
        self.listing()  # documents of an earlier run: reopened from their caches

    def add(self, data: bytes, name: str) -> Entry:
        digest = hashlib.sha256(data).hexdigest()
        name = SAFE_NAME.sub("_", Path(name or "document.txt").name)[:120] or "document.txt"
        with self._lock:
            if digest in self.entries and self.entries[digest].status != "failed":
                return self.entries[digest]
            entry = Entry(digest, name, len(data), int(time.time()))
            write_atomic(self.folder / digest, data)
            write_atomic(
                self.folder / f"{digest}.json",
                json.dumps({"name": entry.name, "bytes": entry.bytes, "created": entry.created}).encode(),
            )
            self._start(entry)
        return entry

    def get(self, document_id: str) -> Entry | None:
        """The document, also one another process added; None if unknown or deleted (by anyone)."""
        if not DOCUMENT_ID.fullmatch(document_id):
            return None
        with self._lock:
            if not (self.folder / document_id).is_file():
                self.entries.pop(document_id, None)
                return None
            if document_id not in self.entries and (entry := self._read(document_id)) is not None:
                self._start(entry)
            return self.entries.get(document_id)

    def listing(self) -> list[Entry]:
        """Every document in the folder, oldest first."""
        on_disk = {path.stem for path in self.folder.glob("*.json")} | set(self.entries)
        found = [entry for document_id in on_disk if (entry := self.get(document_id)) is not None]
        return sorted(found, key=lambda entry: (entry.created, entry.id))

    def delete(self, document_id: str) -> bool:
        if self.get(document_id) is None:
            return False
        with self._lock:
            self.entries.pop(document_id, None)
            (self.folder / document_id).unlink(missing_ok=True)
            (self.folder / f"{document_id}.json").unlink(missing_ok=True)
        return True

    # -- collections: a name and document ids, one file each (`collections/<id>.json`) ----------

    def add_collection(self, name: str, document_ids: list[str]) -> dict:
        """A new collection of documents this store holds; ValueError naming an unknown id."""
        unknown = [i for i in document_ids if self.get(i) is None]
        if unknown:
            raise ValueError(f"no document {unknown[0]!r}")
        collection = {
            "object": "collection",
            "id": f"col-{uuid.uuid4().hex}",
            "created": int(time.time()),
            "name": SAFE_NAME.sub("_", name)[:120],
            "document_ids": list(dict.fromkeys(document_ids)),
        }
        folder = self.folder / "collections"
        folder.mkdir(exist_ok=True)
        write_atomic(folder / f"{collection['id']}.json", json.dumps(collection).encode())
        return collection

    def collection(self, collection_id: str) -> dict | None:
        """The collection, its deleted documents left out; None if unknown."""
        if not COLLECTION_ID.fullmatch(collection_id):
            return None
        try:
            collection = json.loads(read_cached(self.folder / "collections" / f"{collection_id}.json"))
        except (OSError, ValueError, DamagedCacheError):
            return None
        collection["document_ids"] = [i for i in collection["document_ids"] if self.get(i) is not None]
        return collection

    def collections(self) -> list[dict]:
        found = [
            c
            for path in sorted((self.folder / "collections").glob("col-*.json"))
            if (c := self.collection(path.stem)) is not None
        ]
        return sorted(found, key=lambda c: (c["created"], c["id"]))

    def delete_collection(self, collection_id: str) -> bool:
        if self.collection(collection_id) is None:
            return False
        (self.folder / "collections" / f"{collection_id}.json").unlink(missing_ok=True)
        return True

    def _read(self, document_id: str) -> Entry | None:
        try:
            meta = json.loads(read_cached(self.folder / f"{document_id}.json"))
            return Entry(
                document_id, SAFE_NAME.sub("_", str(meta["name"]))[:120], int(meta["bytes"]), int(meta["created"])
            )
        except (
            OSError,
            ValueError,
            TypeError,
            KeyError,
            DamagedCacheError,
        ):  # damaged, half-deleted, a pipe: not a document
            return None

    def _start(self, entry: Entry) -> None:
        self.entries[entry.id] = entry
        threading.Thread(target=self._build, args=(entry,), daemon=True, name="longdoc-document").start()

    def _build(self, entry: Entry) -> None:
        from retrieval import DocumentIndex, load_document

        try:
            document = load_document(read_cached(self.folder / entry.id), filename=entry.name, cache_dir=self.cache_dir)
            entry.status, entry.pages = "indexing", len(document.pages)

            def progress(stage, fraction):
                entry.progress = fraction if stage == "bm25" else entry.progress

            index = DocumentIndex.build(
                document, embedder=self.embedder, cache_dir=self.cache_dir, background=True, progress=progress
            )
            entry.index, entry.chunks, entry.progress, entry.status = index, len(index.chunks), 1.0, "ready"
        except Exception as error:  # the typed error is the document's status
            entry.status, entry.error = "failed", {"type": type(error).__name__, "message": str(error)}
