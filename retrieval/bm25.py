"""Okapi BM25 as a sparse matrix of precomputed term weights: a query is a column sum.

Term weights use idf squared, as Lucene's classic similarity does (query weight times document
weight). Questions about a document name something rare ("Brenzago", "Grauberg") among common
words ("day", "year", "work"); with plain idf a chunk full of the common words outranks the one
naming the rare thing. Measured on the 1M-token benchmark: 17/20 facts in the top 5 with idf,
19/20 with idf squared, with no extra cost.
"""

import io
import json
import math
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from scipy import sparse

from .analysis import terms
from .cache import DamagedCacheError, read_cached


class BM25:
    def __init__(self, weights: sparse.csc_matrix, vocabulary: dict[str, int]):
        self.weights = weights  # [n_chunks, n_terms]: idf * saturated, length-normalized tf
        self.vocabulary = vocabulary

    @classmethod
    def build(cls, texts: list[str], *, k1: float = 1.2, b: float = 0.75, idf_power: float = 2.0) -> "BM25":
        return cls.from_counts([Counter(terms(text)) for text in texts], k1=k1, b=b, idf_power=idf_power)

    @classmethod
    def from_counts(
        cls, counts: list[Mapping[str, int]], *, k1: float = 1.2, b: float = 0.75, idf_power: float = 2.0
    ) -> "BM25":
        """The index of texts given as their terms' counts (each text's terms in first-seen order)."""
        vocabulary: dict[str, int] = {}
        rows, cols, data = [], [], []
        lengths = np.zeros(len(counts), dtype=np.float64)
        for row, count in enumerate(counts):
            ids = [vocabulary.setdefault(term, len(vocabulary)) for term in count]
            frequencies = np.fromiter(count.values(), dtype=np.float32, count=len(ids))
            lengths[row] = frequencies.sum()
            rows.append(np.full(len(ids), row, dtype=np.int32))
            cols.append(np.array(ids, dtype=np.int32))
            data.append(frequencies)
        empty = [np.zeros(0, np.int32)]
        tf = sparse.csr_matrix(
            (
                np.concatenate(data or [np.zeros(0, np.float32)]),
                (np.concatenate(rows or empty), np.concatenate(cols or empty)),
            ),
            shape=(len(counts), len(vocabulary)),
        )
        tf.sum_duplicates()
        df = np.bincount(tf.indices, minlength=len(vocabulary))
        idf = np.log1p((len(counts) - df + 0.5) / (df + 0.5))  # Lucene's, never negative
        norm = k1 * (1 - b + b * lengths / max(lengths.mean(), 1.0))  # per text
        row_of = np.repeat(np.arange(len(counts)), np.diff(tf.indptr))
        tf.data = (idf[tf.indices] ** idf_power * tf.data * (k1 + 1) / (tf.data + norm[row_of])).astype(np.float32)
        return cls(tf.tocsc(), vocabulary)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros where no term matches)."""
        ids = sorted({self.vocabulary[t] for t in terms(query) if t in self.vocabulary})
        if not ids:
            return np.zeros(self.weights.shape[0], dtype=np.float32)
        return np.asarray(self.weights[:, ids].sum(axis=1)).ravel()

    def document_frequency(self, term: str) -> int:
        """How many snippets hold `term` (an analyzed term, as `terms` gives)."""
        column = self.vocabulary.get(term)
        return 0 if column is None else int(self.weights.indptr[column + 1] - self.weights.indptr[column])

    def idf(self, term: str) -> float:
        """The plain idf of `term` among the snippets (0 for a term none holds)."""
        df, n = self.document_frequency(term), self.weights.shape[0]
        return math.log1p((n - df + 0.5) / (df + 0.5)) if df else 0.0

    def save(self, folder: Path) -> None:
        w = self.weights
        np.savez(folder / "bm25.npz", data=w.data, indices=w.indices, indptr=w.indptr, shape=np.array(w.shape))
        vocab = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        (folder / "bm25-vocabulary.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, rows: int) -> "BM25":
        """The index saved in `folder` for `rows` snippets. Every array is checked before scipy
        sees it (scipy trusts its inputs: an index out of range crashes the process):
        DamagedCacheError otherwise."""
        with np.load(io.BytesIO(read_cached(folder / "bm25.npz")), allow_pickle=False) as arrays:
            data, indices, indptr, shape = (arrays[k] for k in ("data", "indices", "indptr", "shape"))
        vocab = json.loads(read_cached(folder / "bm25-vocabulary.json").decode("utf-8"))
        if not (isinstance(vocab, list) and all(isinstance(t, str) for t in vocab) and len(set(vocab)) == len(vocab)):
            raise DamagedCacheError("the vocabulary is not a list of distinct terms")
        checks = [
            shape.shape == (2,) and shape.dtype.kind in "iu" and tuple(int(x) for x in shape) == (rows, len(vocab)),
            data.dtype == np.float32 and data.ndim == indices.ndim == indptr.ndim == 1,
            indices.dtype.kind in "iu" and indptr.dtype.kind in "iu",
            len(indptr) == len(vocab) + 1 and len(indices) == len(data),
        ]
        if not all(checks):
            raise DamagedCacheError("the term weights have the wrong shape or type")
        if (
            len(indptr)
            and (indptr[0] != 0 or indptr[-1] != len(indices) or np.any(np.diff(indptr) < 0))
            or len(indices)
            and (indices.min() < 0 or indices.max() >= rows)
            or not np.all(np.isfinite(data))
        ):
            raise DamagedCacheError("the term weights point outside the index")
        weights = sparse.csc_matrix((data, indices.astype(np.int32), indptr.astype(np.int32)), shape=(rows, len(vocab)))
        return cls(weights, {term: i for i, term in enumerate(vocab)})
