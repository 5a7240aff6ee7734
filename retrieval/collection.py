"""The documents of a collection, and searching their indexes together.

Sources are files, folders (walked in name order, bounded), bytes, text or Documents. A file is
read by content hash: two files with the same bytes are one document under both names, a changed
file is read again, a removed one leaves. What cannot be read is listed with its typed error and
the rest is kept. Folders are walked without following links (a link loop cannot hang the walk,
and a link cannot bring in a file from outside); hidden files and folders are not documents.

Each document's index ranks its own chunks with its own statistics (BM25's idf differs from one
document to the next), so the best chunks of each are ranked again together: one BM25 over the
candidates of all, fused with the dense similarity when every index has one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .bm25 import BM25
from .document import Document, load_document
from .errors import DocumentError, DocumentNotFoundError
from .index import DocumentIndex, SearchHit, fuse

MAX_FILES = 1_000  # files a collection reads: more is a typed error, before any is read
PER_DOCUMENT = 8  # candidates each document gives to the joint ranking


class CollectionTooLargeError(DocumentError):
    """A collection of more files than it reads at once."""


@dataclass(frozen=True)
class Skipped:
    name: str
    error: str  # "UnsupportedDocumentError: ..."


@dataclass
class Member:
    """One document of a collection, under every name whose bytes it is."""

    document: Document
    names: list[str] = field(default_factory=list)
    index: DocumentIndex | None = None  # given with the document (a server's built index), else built when asked

    @property
    def name(self) -> str:
        return self.names[0] if self.names else self.document.name


@dataclass(frozen=True)
class Hit:
    member: Member
    hit: SearchHit


class Sources:
    """The documents `sources` name, read again (by content hash) when a file changes."""

    def __init__(self, sources, *, cache_dir=None, max_files: int = MAX_FILES):
        if isinstance(sources, (str, os.PathLike, bytes, Document, DocumentIndex)):
            sources = [sources]
        self.sources, self.cache_dir, self.max_files = list(sources), cache_dir, max_files
        self._stats: dict[str, tuple[int, int, str]] = {}  # path -> (mtime_ns, size, document id)
        self._documents: dict[str, Document] = {}  # id -> document
        self.members: list[Member] = []
        self.skipped: list[Skipped] = []

    def refresh(self) -> list[Member]:
        """Walk the sources again: changed files re-read, removed ones gone, unreadable ones listed."""
        members: dict[str, Member] = {}
        skipped: list[Skipped] = []
        stats = {}
        for name, source in self._entries(skipped):
            try:
                document, stat = self._read(name, source)
            except DocumentError as error:
                skipped.append(Skipped(name, f"{type(error).__name__}: {error}"))
                continue
            if stat is not None:
                stats[name] = stat
            index = source if isinstance(source, DocumentIndex) else None
            members.setdefault(document.id, Member(document, index=index)).names.append(name)
        self._stats = stats
        self._documents = {m.document.id: m.document for m in members.values()}
        self.members, self.skipped = list(members.values()), skipped
        return self.members

    def _read(self, name: str, source):
        if isinstance(source, DocumentIndex):
            return source.document, None
        if not isinstance(source, Path):
            document = (
                source
                if isinstance(source, Document)
                else load_document(source, filename=name, cache_dir=self.cache_dir)
            )
            return document, None
        try:
            stat = source.stat()
        except (OSError, ValueError) as error:  # missing, unreadable, a name no file can have
            raise DocumentNotFoundError(f"{name[:200]}: {getattr(error, 'strerror', None) or error}") from None
        known = self._stats.get(name)
        if known and known[:2] == (stat.st_mtime_ns, stat.st_size) and known[2] in self._documents:
            return self._documents[known[2]], known
        document = load_document(source, cache_dir=self.cache_dir)
        return document, (stat.st_mtime_ns, stat.st_size, document.id)

    def _entries(self, skipped: list[Skipped]):
        """(name, Path, bytes, text or Document) of each source, folders walked; bounded."""
        entries = []
        for k, source in enumerate(self.sources):
            if isinstance(source, (Document, DocumentIndex)):
                entries.append((getattr(source, "document", source).name, source))
            elif isinstance(source, bytes):
                entries.append((f"document {k + 1}", source))
            elif isinstance(source, (str, os.PathLike)) and _is_folder(source):
                entries += [(str(path), path) for path in self._walk(Path(source), skipped, len(entries))]
            elif isinstance(source, str) and ("\n" in source or len(source) > 4096):
                entries.append((f"document {k + 1}", source))  # the text itself
            else:
                entries.append((str(source), Path(source)))
            if len(entries) > self.max_files:
                raise CollectionTooLargeError(
                    f"the collection holds more than {self.max_files:,} files; "
                    "ask about a smaller folder, or list the files"
                )
        return entries

    def _walk(self, folder: Path, skipped: list[Skipped], already: int) -> list[Path]:
        found = []
        for root, folders, files in os.walk(folder, followlinks=False):
            linked = [f for f in folders if (Path(root) / f).is_symlink()]
            skipped += [Skipped(str(Path(root) / f), "a symbolic link: not followed") for f in sorted(linked)]
            # the cache folder, when inside: its entries are longdoc's, not the user's documents
            folders[:] = sorted(
                f for f in folders if not f.startswith(".") and f not in linked and not self._is_cache(Path(root) / f)
            )
            for name in sorted(files):
                path = Path(root) / name
                if name.startswith("."):
                    continue
                if path.is_symlink():
                    skipped.append(Skipped(str(path), "a symbolic link: not followed"))
                    continue
                found.append(path)
                if already + len(found) > self.max_files:
                    raise CollectionTooLargeError(
                        f"{folder} holds more than {self.max_files:,} files; ask about a "
                        "smaller folder, or list the files"
                    )
        return found

    def _is_cache(self, folder: Path) -> bool:
        try:
            return self.cache_dir is not None and folder.resolve() == Path(self.cache_dir).resolve()
        except (OSError, RuntimeError):
            return False


def _is_folder(source) -> bool:
    try:
        return len(str(source)) < 4096 and "\n" not in str(source) and Path(source).is_dir()
    except (OSError, ValueError):  # a name too long for a path, a NUL
        return False


def search_together(indexed: list[tuple[Member, DocumentIndex]], query: str, k: int) -> list[Hit]:
    """The `k` best chunks of all the documents for `query`, ranked on one scale."""
    candidates: list[Hit] = []
    owner: list[DocumentIndex] = []
    for member, index in indexed:
        hits = index.search(query, k=PER_DOCUMENT)
        candidates += [Hit(member, hit) for hit in hits]
        owner += [index] * len(hits)
    if not candidates:
        return []
    chunks = [c.hit.chunk for c in candidates]
    scores = BM25.build([chunk.text for chunk in chunks]).scores(query)
    positive = np.flatnonzero(scores > 0)
    bm25_ranked = [int(i) for i in positive[np.argsort(-scores[positive], kind="stable")]]
    dense_ranked = []
    dense = [index.dense for _, index in indexed]
    if all(d is not None for d in dense) and len({id(index.embedder) for _, index in indexed}) == 1:
        # each candidate's best snippet, from the vectors its index holds: one query encoded, no chunk
        query_vector = indexed[0][1].embedder.encode([query])[0]
        similarity = np.array([_best_snippet(index, chunk.index, query_vector) for index, chunk in zip(owner, chunks)])
        dense_ranked = [int(i) for i in np.argsort(-similarity, kind="stable")]
    position = {id(chunk): n for n, chunk in enumerate(chunks)}
    return [Hit(candidates[position[id(hit.chunk)]].member, hit) for hit in fuse(chunks, bm25_ranked, dense_ranked, k)]


def _best_snippet(index: DocumentIndex, chunk: int, query_vector: np.ndarray) -> float:
    snippets = np.flatnonzero(index.snippet_chunk == chunk)
    return float((index.dense.vectors[snippets] @ query_vector).max()) if len(snippets) else -1.0
