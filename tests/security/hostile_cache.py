"""Damaged and edited index caches, made on purpose: bytes cut, contents crafted with their
checksums updated (as someone who can write the cache would), a pickle where vectors belong."""

import json
import logging
import os
import zlib

import numpy as np

from retrieval import ChunkSettings, DocumentIndex, load_document
from retrieval.cache import sha256_file

from ..agent.scripted import filler

SETTINGS = ChunkSettings(max_tokens=120, overlap_tokens=12, snippet_tokens=40)
FACT = "The observatory at Quelmont recorded 418 meteors in the winter of 1911."
QUESTION = "How many meteors did Quelmont record?"


def text() -> str:
    return filler(30) + "\n\n" + FACT + "\n\n" + filler(20, start=30)


class UnitEmbedder:
    """A small deterministic embedder (character trigrams hashed by crc32, the same in every
    process): real vectors, no model."""

    name = "trigram-64"

    def encode(self, texts, progress=None):
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, t in enumerate(texts):
            for i in range(len(t) - 2):
                out[row, zlib.crc32(t[i : i + 3].encode()) % 64] += 1.0
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)
        return out


def build(cache_dir):
    document = load_document(text(), filename="quelmont.txt", cache_dir=cache_dir)
    index = DocumentIndex.build(document, embedder=UnitEmbedder(), cache_dir=cache_dir, settings=SETTINGS)
    return document, index


def answers(cache_dir):
    document, index = build(cache_dir)
    return document.text, [(h.char_start, h.char_end) for h in index.search(QUESTION, k=3)], index.dense_ready


def folder_of(cache_dir):
    (folder,) = [p for p in cache_dir.iterdir() if p.name.startswith("index-")]
    return folder


def rehash(folder):
    """Update meta.json's checksums, as an attacker who edits the cache would."""
    meta = json.loads((folder / "meta.json").read_text())
    meta["files"] = {name: sha256_file(folder / name) for name in meta["files"]}
    (folder / "meta.json").write_text(json.dumps(meta))


def out_of_range_bm25(folder):
    with np.load(folder / "bm25.npz") as arrays:
        parts = dict(arrays)
    parts["indices"] = parts["indices"].copy()
    parts["indices"][::3] = 2**30  # scipy trusts these: a read far outside the matrix
    np.savez(folder / "bm25.npz", **parts)
    rehash(folder)


def truncated(name):
    def damage(folder):
        path = folder / name
        path.write_bytes(path.read_bytes()[: os.path.getsize(path) // 2])

    return damage


def crafted_chunks(folder):
    rows = json.loads((folder / "chunks.json").read_text())
    rows[2][1] = 10**9  # a chunk ending far past the document
    (folder / "chunks.json").write_text(json.dumps(rows))
    rehash(folder)


def crafted_vocabulary(folder):
    (folder / "bm25-vocabulary.json").write_text(json.dumps({"not": "a list"}))
    rehash(folder)


def crafted_meta(folder):
    (folder / "meta.json").write_text("[1, 2, 3]")


def dense_file(damage):
    def apply(folder):
        (vectors,) = folder.glob("dense-*.npy")
        record_path = vectors.with_suffix(".json")
        record = json.loads(record_path.read_text())
        array = np.load(vectors)
        damaged = damage(array)
        with open(vectors, "wb") as handle:
            if isinstance(damaged, bytes):
                handle.write(damaged)
            else:
                np.save(handle, damaged)
        record["sha256"] = sha256_file(vectors)
        record_path.write_text(json.dumps(record))

    return apply


def special(name: str, kind: str):
    """The entry `name` (a glob) replaced by a named pipe (a read of it hung forever) or a link out of the cache."""

    def damage(folder):
        (path,) = folder.glob(name)
        path.unlink()
        os.mkfifo(path) if kind == "fifo" else path.symlink_to("/etc/hostname")

    return damage


DAMAGES = {
    "bm25-indices-out-of-range": out_of_range_bm25,
    "bm25-truncated": truncated("bm25.npz"),
    "chunks-truncated": truncated("chunks.json"),
    "chunk-outside-document": crafted_chunks,
    "vocabulary-not-a-list": crafted_vocabulary,
    "meta-not-an-object": crafted_meta,
    "dense-wrong-shape": dense_file(lambda a: a[:-1]),
    "dense-nan": dense_file(lambda a: np.full_like(a, np.nan)),
    "dense-not-unit": dense_file(lambda a: a * 3),
    "dense-pickle": dense_file(lambda a: b"\x80\x04\x95cos\nsystem\n(S'touch /tmp/pwned'\ntR."),
    "meta-a-fifo": special("meta.json", "fifo"),
    "bm25-a-fifo": special("bm25.npz", "fifo"),
    "dense-a-fifo": special("dense-*.npy", "fifo"),
    "chunks-a-link-out": special("chunks.json", "link"),
}


def answers_with_warnings(cache_dir):
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    logging.getLogger("retrieval").addHandler(handler)
    try:
        return answers(cache_dir), [r for r in records if "damaged" in r]
    finally:
        logging.getLogger("retrieval").removeHandler(handler)
