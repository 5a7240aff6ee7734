"""`DocumentIndex`: hybrid BM25 + dense search over a document's chunks, cached on disk.

Both searches score the small snippets of each chunk and a chunk ranks by its best snippet
(passage-level evidence: a fact in one sentence is not diluted by the rest of its chunk). BM25
is ready in seconds; the dense index (MiniLM over every snippet) takes minutes on a CPU, so
`build(..., background=True)` returns as soon as BM25 is ready and adds dense search when it is
done. Results fuse both rankings by reciprocal rank, and each ranking's first chunk is always
kept: a lone strong match (a rare name BM25 alone sees) is not outvoted by chunks both rank
middling.
"""

import bisect
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .analysis import terms
from .bm25 import BM25
from .cache import TEMPORARY_PREFIX, DamagedCacheError, discard, read_cached, sha256_file, sweep_stale, write_atomic
from .chunking import Chunk, ChunkSettings, chunk_document, snippet_texts
from .dense import DenseIndex, Embedder, ProgressCallback, SentenceTransformerEmbedder, default_embedder
from .document import Document
from .errors import IndexCacheError, RetrievalError
from .tables import CELL_SEPARATOR, header_at, page_blocks, table_blocks
from .tokens import token_counter

log = logging.getLogger(__name__)
_CACHE_VERSION = 7  # 7: snippets searched with their table caption
SPARSE_FILES = ("chunks.json", "bm25.npz", "bm25-vocabulary.json")
RRF_K = 60  # reciprocal-rank constant of Cormack et al., as Qwen-Agent uses (1/(rank+61), 0-based)
DEPTH = 100  # candidates taken from each ranking before fusion
TITLE_LINES = 4  # a page's first lines: its running header, then its title
NAMED_ROWS = 3  # table rows a question names, read besides the best chunks


class EmptyQueryError(RetrievalError, ValueError):
    """A search with an empty or blank query."""


@dataclass(frozen=True)
class SearchHit:
    """A retrieved chunk with its fused score and where each ranking put it (1-based; None: absent)."""

    chunk: Chunk
    score: float
    bm25_rank: int | None
    dense_rank: int | None

    text = property(lambda self: self.chunk.text)
    page = property(lambda self: self.chunk.page)
    page_label = property(lambda self: self.chunk.page_label)
    char_start = property(lambda self: self.chunk.char_start)
    char_end = property(lambda self: self.chunk.char_end)
    header = property(lambda self: self.chunk.header)


class DocumentIndex:
    def __init__(
        self,
        document: Document,
        chunks: list[Chunk],
        bm25: BM25,
        settings: ChunkSettings,
        embedder: Embedder | None = None,
        folder: Path | None = None,
    ):
        self.document = document
        self.chunks = chunks
        self.bm25 = bm25
        self.settings = settings
        self.embedder = embedder
        self.folder = folder  # cache folder of this index, or None
        # snippet w of the document belongs to chunk snippet_chunk[w]; snippets in chunk order
        self.snippet_chunk = np.array([c.index for c in chunks for _ in c.snippets], dtype=np.int64)
        self.dense: DenseIndex | None = None
        self.dense_error: BaseException | None = None
        self._titles: dict[int, set[str]] | None = None
        self._row_labels: list[tuple[frozenset[str], int]] | None = None  # (a table row's label terms, its chunk)
        self._dense_done = threading.Event()
        if embedder is None:
            self._dense_done.set()

    # -- building -------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        document: Document,
        *,
        embedder: Embedder | str | None = "default",
        cache_dir: str | os.PathLike | None = None,
        progress: ProgressCallback | None = None,
        settings: ChunkSettings = ChunkSettings(),
        tokenizer=None,
        background: bool = False,
    ) -> "DocumentIndex":
        """Chunk, index with BM25 and (unless `embedder=None`) embed; or reopen from `cache_dir`.

        `embedder`: "default" (all-MiniLM-L6-v2, offline), a sentence-transformers folder, an
        Embedder, or None for BM25 alone. `progress(stage, fraction)` hears "chunk", "bm25" and
        "embed". With `background=True` this returns once BM25 is ready; `search` uses dense
        results once `dense_ready`, and `wait()` blocks until then.
        """
        embedder = resolve_embedder(embedder)
        counter = token_counter(tokenizer)
        text = text_digest(document) if cache_dir is not None else ""
        folder = _index_folder(cache_dir, document, settings, counter.name, text)
        index = cls._open(folder, document, settings, counter.name, embedder, text) if folder else None
        if index is None:
            _report(progress, "chunk", 0.0)
            chunks = chunk_document(document, settings, tokenizer=counter)
            _report(progress, "chunk", 1.0)
            _report(progress, "bm25", 0.0)
            bm25 = BM25.build(snippet_texts(document, chunks))
            _report(progress, "bm25", 1.0)
            if folder:
                _save_sparse(folder, document, chunks, bm25, settings, counter.name, text)
            index = cls(document, chunks, bm25, settings, embedder, folder)
        else:
            _report(progress, "bm25", 1.0)
        if embedder is not None and index.dense is None:
            if background:
                # not a daemon, even when started from one: the process waits for it at exit (torch torn
                # down mid-computation aborts: "terminate called"), and the finished dense part is cached
                threading.Thread(
                    target=index._build_dense, args=(progress, True), daemon=False, name="longdoc-embed"
                ).start()
            else:
                index._build_dense(progress)
                index.wait()
        elif embedder is not None:
            _report(progress, "embed", 1.0)
        return index

    @classmethod
    def _open(
        cls,
        folder: Path,
        document: Document,
        settings: ChunkSettings,
        counter_name: str,
        embedder: Embedder | None,
        text: str,
    ) -> "DocumentIndex | None":
        """The index cached in `folder`, or None (absent, or damaged: removed, to be rebuilt).
        Nothing in the folder is trusted: checksums, then every row and array is checked."""
        sweep_stale(folder.parent)
        if not (folder / "meta.json").exists():
            return None
        sweep_stale(folder)
        try:
            meta = json.loads(read_cached(folder / "meta.json"))
            expected = {
                "version": _CACHE_VERSION,
                "document": document.id,
                "text": text,
                "settings": asdict(settings),
                "tokens": counter_name,
            }
            if not isinstance(meta, dict) or any(meta.get(k) != v for k, v in expected.items()):
                raise DamagedCacheError("its settings are not this index's")
            for name in SPARSE_FILES:
                if sha256_file(folder / name) != meta["files"][name]:
                    raise DamagedCacheError(f"{name} does not match its hash")
            rows = json.loads(read_cached(folder / "chunks.json"))
            if not isinstance(rows, list) or len(rows) != meta["chunks"] or not rows:
                raise DamagedCacheError("chunks.json does not list the chunks")
            tables = page_blocks(document.pages)
            chunks = [_chunk_from_row(i, row, document, tables) for i, row in enumerate(rows)]
            snippets = sum(len(c.snippets) for c in chunks)
            index = cls(document, chunks, BM25.load(folder, snippets), settings, embedder, folder)
        except Exception as error:  # any failure to read a cache file means: rebuild it
            discard(folder, f"{type(error).__name__}: {error}")
            return None
        if embedder is not None:
            index.dense = _load_dense(folder, embedder, snippets)
            if index.dense is not None:
                index._dense_done.set()
        return index

    def _build_dense(self, progress: ProgressCallback | None, background: bool = False) -> None:
        try:
            _report(progress, "embed", 0.0)
            snippets = snippet_texts(self.document, self.chunks)
            # "embed" reaches 1.0 only once the index is searchable, so encoding reports up to 0.99.
            encoding = (lambda stage, fraction: progress(stage, 0.99 * fraction)) if progress else None
            dense = DenseIndex.build(snippets, self.embedder, encoding, background)
            self.dense = dense
            if self.folder is not None:
                try:
                    _save_dense(self.folder, self.embedder, dense)
                except OSError as error:  # the cache folder removed meanwhile (a script's temporary dir at exit)
                    log.info("dense index not cached (%s); it serves this process only", error)
            _report(progress, "embed", 1.0)
        except BaseException as error:  # kept for wait(); search goes on with BM25 alone
            self.dense_error = error
            log.error("dense index failed, searching with BM25 alone: %s", error)
        finally:
            self._dense_done.set()

    @property
    def dense_ready(self) -> bool:
        return self.dense is not None

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the dense index is built (or failed: raises); True when ready."""
        finished = self._dense_done.wait(timeout)
        if self.dense_error is not None:
            raise RetrievalError(f"building the dense index failed: {self.dense_error}") from self.dense_error
        return finished and self.dense_ready

    # -- searching ------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, within: Collection[int] | None = None) -> list[SearchHit]:
        """The `k` best chunks for `query` (of those numbered in `within`, when given): BM25 and
        dense rankings fused by reciprocal rank."""
        chunk_scores = self.bm25_chunk_scores(query)
        allowed = None
        if within is not None:
            allowed = np.zeros(len(self.chunks), dtype=bool)
            allowed[list(within)] = True
            chunk_scores[~allowed] = 0
        positive = np.flatnonzero(chunk_scores > 0)
        bm25_ranked = [int(i) for i in positive[np.argsort(-chunk_scores[positive], kind="stable")[:DEPTH]]]
        dense = self.dense  # one read: the background thread may set it meanwhile
        dense_ranked = []
        if dense is not None:
            query_vector = self.embedder.encode([query])[0]
            if allowed is None:
                snippets, _ = dense.search(query_vector, DEPTH * 4)
            else:  # a few pages: score their snippets directly
                mine = np.flatnonzero(allowed[self.snippet_chunk])
                snippets = mine[np.argsort(-(dense.vectors[mine] @ query_vector), kind="stable")[: DEPTH * 4]]
            dense_ranked = list(dict.fromkeys(int(c) for c in self.snippet_chunk[snippets]))[:DEPTH]
        return fuse(self.chunks, bm25_ranked, dense_ranked, k)

    def chunks_about(self, name: str) -> list[int]:
        """The chunks of the pages titled `name` ("cash flow statement", "Tabelle 3"): pages whose
        first lines or table captions hold every term of it (a term may be cut short, as pypdf
        cuts words: "Shee t"); [] when no page is."""
        wanted = set(terms(name))
        if not wanted:
            return []
        pages = {number for number, title in self.page_titles().items() if all(_holds(title, t) for t in wanted)}
        return [c.index for c in self.chunks if c.page in pages]

    def page_titles(self) -> dict[int, set[str]]:
        """Per page, the terms of what it says it is about: its first lines and its tables' captions."""
        if self._titles is None:
            titles = {}
            for page in self.document.pages:
                lines = [line for line in page.text.splitlines() if line.strip()][:TITLE_LINES]
                captions = [header.rsplit("\n", 1)[0] for _, _, header, _ in table_blocks(page.text) if "\n" in header]
                titles[page.number] = set(terms(" ".join(lines + captions)))
            self._titles = titles
        return self._titles

    def rows_named(self, query: str, k: int = NAMED_ROWS) -> list[int]:
        """The chunks of the `k` table rows whose label `query` names in full ("total net sales",
        "Umsatzerlöse"), the most specific labels first (summed idf), then the best chunks for the
        query: a statement's row holds the number asked for, and ranks below the prose that
        repeats the question's words ("net sales for the three months ended ...")."""
        asked = set(terms(query))
        named = [(labels, chunk) for labels, chunk in self.row_labels() if labels <= asked]
        if not named:
            return []
        scores, idf = self.bm25_chunk_scores(query), {t: self.bm25.idf(t) for t in asked}
        named.sort(key=lambda row: (-sum(idf[t] for t in row[0]), -scores[row[1]], row[1]))
        return list(dict.fromkeys(chunk for _, chunk in named))[:k]

    def row_labels(self) -> list[tuple[frozenset[str], int]]:
        """Each table row's label (its first cell) as terms, with the chunk that holds the row."""
        if self._row_labels is None:
            starts = [c.char_start for c in self.chunks]
            text, out = self.document.text, []
            for _, end, _, first in page_blocks(self.document.pages):
                for line in re.finditer(r"[^\n]+", text[first:end]):
                    labels = frozenset(terms(line.group().split(CELL_SEPARATOR, 1)[0]))
                    at = bisect.bisect_right(starts, first + line.start()) - 1
                    if labels and at >= 0 and self.chunks[at].char_end > first + line.start():
                        out.append((labels, at))
            self._row_labels = out
        return self._row_labels

    def bm25_chunk_scores(self, query: str) -> np.ndarray:
        """BM25 score of each chunk for `query`: its best snippet's."""
        if not query or not query.strip():
            raise EmptyQueryError("the query is empty; ask something")
        chunk_scores = np.zeros(len(self.chunks), dtype=np.float32)
        np.maximum.at(chunk_scores, self.snippet_chunk, self.bm25.scores(query))
        return chunk_scores

    def __len__(self) -> int:
        return len(self.chunks)


def _holds(title: set[str], term: str) -> bool:
    return (
        term in title
        or len(term) >= 4
        and any(len(t) >= 4 and (term.startswith(t) or t.startswith(term)) for t in title)
    )


def fuse(chunks: list[Chunk], bm25_ranked: list[int], dense_ranked: list[int], k: int) -> list[SearchHit]:
    """Reciprocal rank fusion (score = sum over rankings of 1 / (RRF_K + rank)), each ranking's
    first chunk kept in the top `k` (ordered by fused score like the rest)."""
    bm25_rank = {c: r for r, c in enumerate(bm25_ranked, start=1)}
    dense_rank = {c: r for r, c in enumerate(dense_ranked, start=1)}
    fused = {}
    for ranks in (bm25_rank, dense_rank):
        for chunk, rank in ranks.items():
            fused[chunk] = fused.get(chunk, 0.0) + 1.0 / (RRF_K + rank)
    order = sorted(fused, key=lambda c: (-fused[c], bm25_rank.get(c, DEPTH + 1), c))
    leaders = {ranked[0] for ranked in (bm25_ranked, dense_ranked) if ranked}
    best = [c for c in order if c in leaders][:k]
    best += [c for c in order if c not in leaders][: k - len(best)]
    best.sort(key=order.index)
    return [SearchHit(chunks[c], fused[c], bm25_rank.get(c), dense_rank.get(c)) for c in best]


def resolve_embedder(embedder) -> Embedder | None:
    if embedder == "default":
        return default_embedder()
    if isinstance(embedder, (str, os.PathLike)):
        return SentenceTransformerEmbedder(str(embedder))
    if embedder is None or hasattr(embedder, "encode"):
        return embedder
    raise TypeError(f"embedder must be 'default', a model folder, an Embedder or None, not {type(embedder).__name__}")


def _report(progress: ProgressCallback | None, stage: str, fraction: float) -> None:
    if progress is not None:
        progress(stage, fraction)


def _dense_path(folder: Path, embedder: Embedder) -> Path:
    return folder / f"dense-{hashlib.sha256(embedder.name.encode()).hexdigest()[:16]}.npy"


def _save_dense(folder: Path, embedder: Embedder, dense: DenseIndex) -> None:
    path = _dense_path(folder, embedder)
    digest = dense.save(path)
    record = {"embedder": embedder.name, "rows": int(dense.vectors.shape[0]), "sha256": digest}
    write_atomic(path.with_suffix(".json"), json.dumps(record).encode())


def _load_dense(folder: Path, embedder: Embedder, rows: int) -> DenseIndex | None:
    """The cached vectors for `embedder`, or None (absent, or damaged: removed, rebuilt later)."""
    path = _dense_path(folder, embedder)
    if not path.exists():
        return None
    try:
        record = json.loads(read_cached(path.with_suffix(".json")))
        if record["embedder"] != embedder.name or record["rows"] != rows:
            raise DamagedCacheError("the vectors belong to another embedder or index")
        return DenseIndex.load(path, rows, record["sha256"])
    except Exception as error:  # any failure to read them means: embed again
        discard(path, f"{type(error).__name__}: {error}")
        path.with_suffix(".json").unlink(missing_ok=True)
        return None


def text_digest(document: Document) -> str:
    """What the index was built from: the same file read by a newer parser is another text."""
    return hashlib.sha256(document.text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _index_folder(cache_dir, document: Document, settings: ChunkSettings, counter_name: str, text: str) -> Path | None:
    if cache_dir is None:
        return None
    key = json.dumps([_CACHE_VERSION, asdict(settings), counter_name, text])
    return Path(cache_dir) / f"index-{document.id[:24]}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def _save_sparse(folder: Path, document: Document, chunks, bm25: BM25, settings, counter_name, text: str) -> None:
    """Write chunks and BM25 into a fresh temporary folder, then rename it into place."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f"{TEMPORARY_PREFIX}{folder.name}."))
        rows = [
            [c.char_start, c.char_end, c.page, c.page_label, c.n_tokens, [x for w in c.snippets for x in w]]
            for c in chunks
        ]
        (tmp / "chunks.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        bm25.save(tmp)
        meta = {
            "version": _CACHE_VERSION,
            "document": document.id,
            "text": text,
            "name": document.name,
            "settings": asdict(settings),
            "tokens": counter_name,
            "chunks": len(chunks),
            "files": {name: sha256_file(tmp / name) for name in SPARSE_FILES},
        }
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        if folder.exists():  # a damaged copy another process has not yet removed
            shutil.rmtree(folder, ignore_errors=True)
        try:
            os.rename(tmp, folder)
        except OSError:  # another process finished first: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as error:
        raise IndexCacheError(f"cannot write the index cache under {folder.parent}: {error}") from error


def _chunk_from_row(index: int, row, document: Document, tables) -> Chunk:
    """A chunk as chunks.json stores it, checked against the document: DamagedCacheError unless it
    lies inside its page and its snippets inside it."""
    start, end, page, label, n_tokens, flat = row
    text = document.text
    if not all(type(x) is int for x in (start, end, page, n_tokens, *flat)) or not 1 <= page <= len(document.pages):
        raise DamagedCacheError(f"chunk {index} is not a row of numbers")
    where = document.pages[page - 1]
    if not where.char_start <= start < end <= where.char_end or label != where.label or len(flat) % 2:
        raise DamagedCacheError(f"chunk {index} lies outside its page")
    snippets = tuple(zip(flat[::2], flat[1::2]))
    if not snippets or any(not start <= a < b <= end for a, b in snippets):
        raise DamagedCacheError(f"a snippet of chunk {index} lies outside it")
    return Chunk(index, text[start:end], start, end, page, label, n_tokens, snippets, header_at(tables, start))
