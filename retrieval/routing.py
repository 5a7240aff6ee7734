"""Which documents of a large collection a question opens.

A hundred documents hold about 10M tokens: their indexes do not all fit in memory, and searching
each for every question takes longer than answering. So each document has a profile (its BM25
terms' counts over the whole text, and once its dense index is built, the mean vectors of
`SEGMENTS` runs of its snippets), small and cached on disk by content hash; the collection's
profiles are ranked as documents (one BM25 over the whole texts, the best segment's similarity,
the documents' names) and only the best `ROUTED` documents' indexes are opened and searched.

Profiles are computed from the text alone (seconds for a long document), so a collection routes
from its first question; the dense part joins as each document's dense index is built.
"""

from __future__ import annotations

import io
import json
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .analysis import terms
from .bm25 import BM25
from .cache import DamagedCacheError, discard, read_cached, write_atomic
from .document import Document
from .index import RRF_K, DocumentIndex, text_digest

ROUTED = 12  # documents whose indexes a question opens (and holds at once)
SEGMENTS = 32  # runs of snippets whose mean vectors stand for a document in dense routing
PROFILE_VERSION = 1


@dataclass
class Profile:
    counts: dict[str, int]  # BM25 term -> occurrences in the document
    vectors: np.ndarray | None = None  # [S, D] L2-normalized means of consecutive snippets' vectors
    embedder: str = ""  # whose vectors


def segment_vectors(vectors: np.ndarray, segments: int = SEGMENTS) -> np.ndarray:
    """[S, D] normalized means of `segments` consecutive runs of `vectors` [W, D] (S = min(W, segments))."""
    runs = [run for run in np.array_split(vectors, min(len(vectors), segments)) if len(run)]
    means = np.stack([run.mean(axis=0) for run in runs]).astype(np.float32)
    return means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)


class Profiles:
    """Documents' profiles, kept in memory and (with a `cache_dir`) on disk under `profiles/`."""

    def __init__(self, cache_dir: Path | None = None):
        self.folder = Path(cache_dir) / "profiles" if cache_dir is not None else None
        self._known: dict[str, Profile] = {}
        self._lock = threading.Lock()  # a builder thread adds vectors while questions read
        self._texts: tuple[tuple[str, ...], BM25] | None = None  # the last documents' whole-text BM25

    def of(self, document: Document) -> Profile:
        with self._lock:
            known = self._known.get(document.id)
        if known is None:
            known = self._load(document) or self._save(document, Profile(dict(Counter(terms(document.text)))))
            with self._lock:
                known = self._known.setdefault(document.id, known)
        return known

    def texts_bm25(self, documents: list[Document]) -> BM25:
        """One BM25 over `documents`' whole texts (kept while the same documents are asked)."""
        key = tuple(document.id for document in documents)
        kept = self._texts
        if kept is None or kept[0] != key:
            kept = self._texts = (key, BM25.from_counts([self.of(document).counts for document in documents]))
        return kept[1]

    def add_vectors(self, document: Document, index: DocumentIndex) -> bool:
        """Give `document`'s profile its segment vectors from its built dense index; False if not built."""
        dense = index.dense
        if dense is None or index.embedder is None or not len(dense.vectors):
            return False
        profile = self.of(document)
        if profile.vectors is None or profile.embedder != index.embedder.name:
            updated = Profile(profile.counts, segment_vectors(dense.vectors), index.embedder.name)
            self._save(document, updated)
            with self._lock:
                self._known[document.id] = updated
        return True

    def _path(self, document: Document) -> Path | None:
        return self.folder / f"{document.id}.npz" if self.folder is not None else None

    def _save(self, document: Document, profile: Profile) -> Profile:
        path = self._path(document)
        if path is not None:
            buffer = io.BytesIO()
            meta = {"version": PROFILE_VERSION, "text": text_digest(document), "embedder": profile.embedder}
            vectors = profile.vectors if profile.vectors is not None else np.zeros((0, 0), np.float32)
            np.savez(
                buffer,
                terms=np.array(list(profile.counts), dtype=str),
                counts=np.fromiter(profile.counts.values(), np.int64, len(profile.counts)),
                vectors=vectors,
                meta=np.array(json.dumps(meta)),
            )
            write_atomic(path, buffer.getvalue())
        return profile

    def _load(self, document: Document) -> Profile | None:
        """The cached profile, or None (absent; damaged or another text's: removed, to be made again)."""
        path = self._path(document)
        if path is None or not path.exists():
            return None
        try:
            with np.load(io.BytesIO(read_cached(path)), allow_pickle=False) as arrays:
                names, counts, vectors, meta = (arrays[k] for k in ("terms", "counts", "vectors", "meta"))
            meta = json.loads(str(meta))
            if meta.get("version") != PROFILE_VERSION or meta.get("text") != text_digest(document):
                raise DamagedCacheError("it is another text's profile")
            if not (
                names.ndim == counts.ndim == 1
                and len(names) == len(counts)
                and names.dtype.kind == "U"
                and counts.dtype.kind in "iu"
                and (counts > 0).all()
                and len(set(names.tolist())) == len(names)
            ):
                raise DamagedCacheError("its terms and counts do not match")
            if vectors.size and not (
                vectors.ndim == 2
                and vectors.dtype == np.float32
                and np.isfinite(vectors).all()
                and len(vectors) <= SEGMENTS
            ):
                raise DamagedCacheError("its vectors are not segment vectors")
            return Profile(
                dict(zip(names.tolist(), counts.tolist())),
                vectors if vectors.size else None,
                str(meta.get("embedder", "")),
            )
        except Exception as error:  # any failure to read a cache file means: make it again
            discard(path, f"{type(error).__name__}: {error}")
            return None


def route(
    documents: list[Document],
    names: list[list[str]],
    profiles: Profiles,
    query: str,
    k: int = ROUTED,
    query_vector: np.ndarray | None = None,
    embedder: str = "",
) -> list[int]:
    """Positions of the `k` documents most likely to answer `query`, best first: BM25 over the
    documents' whole texts, the best segment's similarity to `query_vector` (when every document's
    profile has vectors of `embedder`) and the documents' names, fused by reciprocal rank."""
    chosen = [profiles.of(document) for document in documents]
    rankings = [profiles.texts_bm25(documents).scores(query), BM25.build([" ".join(n) for n in names]).scores(query)]
    if query_vector is not None and all(p.vectors is not None and p.embedder == embedder for p in chosen):
        rankings.append(np.array([(p.vectors @ query_vector).max() + 2.0 for p in chosen]))  # > 0: all ranked
    fused = np.zeros(len(documents))
    for scores in rankings:
        fused += _tied_rrf(scores)
    order = np.argsort(-fused, kind="stable")  # nothing matched anywhere: in the collection's order
    return [int(i) for i in order[:k]]


def _tied_rrf(scores: np.ndarray) -> np.ndarray:
    """1 / (RRF_K + rank) of each positive score, equal scores one rank (a word every name holds
    ranks no document above another); 0 where nothing matched."""
    ranks = 1 + np.searchsorted(np.sort(-scores), -scores, side="left")  # 1 + how many score higher
    return np.where(scores > 0, 1.0 / (RRF_K + ranks), 0.0)
