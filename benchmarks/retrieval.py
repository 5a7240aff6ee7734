"""Retrieval at a million tokens: recall@5 of 20 paraphrased facts, build, reopen and query times.

Side by side in one run: rank_bm25 and all-MiniLM-L6-v2 + flat faiss over a recursive character
splitter's 2,000-character chunks (the baselines), and longdoc's BM25-only and hybrid indexes.

    python -m benchmarks.retrieval [--chars 3600000]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import write_table
from benchmarks.corpus import FACTS, real_text, with_facts
from retrieval import DocumentIndex, load_document
from retrieval.dense import minilm_path

K = 5
REPEATS = 3


def timed_queries(search) -> tuple[list, float, float]:
    """Results of `search` for every question, and mean and p95 latency in ms over REPEATS rounds."""
    latencies, results = [], []
    for round_ in range(REPEATS):
        for fact in FACTS:
            start = time.perf_counter()
            result = search(fact.question)
            latencies.append((time.perf_counter() - start) * 1000)
            if round_ == 0:
                results.append(result)
    return results, statistics.mean(latencies), float(np.percentile(latencies, 95))


def baseline_chunks(text: str) -> list[str]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(chunk_size=2000, chunk_overlap=200).split_text(text)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def run_baseline_bm25(text: str) -> dict:
    from rank_bm25 import BM25Okapi

    start = time.perf_counter()
    chunks = baseline_chunks(text)
    bm25 = BM25Okapi([words(c) for c in chunks])
    build = time.perf_counter() - start
    results, mean, p95 = timed_queries(lambda q: [chunks[i] for i in np.argsort(-bm25.get_scores(words(q)))[:K]])
    found = [any(f.text in c for c in top) for f, top in zip(FACTS, results)]
    return dict(
        method="rank_bm25, 2,000-char chunks",
        ready=build,
        build=build,
        mean=mean,
        p95=p95,
        found=found,
        chunks=len(chunks),
    )


def run_baseline_dense(text: str) -> dict:
    import faiss
    from sentence_transformers import SentenceTransformer

    start = time.perf_counter()
    chunks = baseline_chunks(text)
    model = SentenceTransformer(minilm_path(), device="cpu")  # fp32, max 256 word pieces: the defaults
    vectors = model.encode(chunks, batch_size=32, normalize_embeddings=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    build = time.perf_counter() - start

    def search(q):
        _, ids = index.search(model.encode([q], normalize_embeddings=True), K)
        return [chunks[i] for i in ids[0]]

    results, mean, p95 = timed_queries(search)
    found = [any(f.text in c for c in top) for f, top in zip(FACTS, results)]
    return dict(
        method="MiniLM fp32 + faiss flat, 2,000-char chunks",
        ready=build,
        build=build,
        mean=mean,
        p95=p95,
        found=found,
        chunks=len(chunks),
    )


def run_longdoc(path: Path, spans, embedder, cache: Path | None) -> tuple[dict, DocumentIndex]:
    stages = {}

    def progress(stage, fraction):
        if fraction >= 1.0 and stage not in stages:
            stages[stage] = time.perf_counter() - start
            print(f"  {stage} done at {stages[stage]:.1f} s", flush=True)

    start = time.perf_counter()
    document = load_document(path, cache_dir=cache)
    index = DocumentIndex.build(document, embedder=embedder, cache_dir=cache, progress=progress, background=True)
    ready = time.perf_counter() - start
    index.wait()
    build = time.perf_counter() - start
    results, mean, p95 = timed_queries(lambda q: index.search(q, k=K))
    found = [any(h.char_start <= a and b <= h.char_end for h in hits) for (a, b), hits in zip(spans, results)]
    name = "longdoc BM25 (windows, idf²)" if embedder is None else "longdoc hybrid (BM25 + MiniLM windows, RRF)"
    return dict(method=name, ready=ready, build=build, mean=mean, p95=p95, found=found, chunks=len(index)), index


def dense_part(index: DocumentIndex, spans) -> dict:
    """Recall of the hybrid index's dense ranking alone (no extra build)."""
    found = []
    for fact, (a, b) in zip(FACTS, spans):
        windows, _ = index.dense.search(index.embedder.encode([fact.question])[0], K * 20)
        top = [index.chunks[c] for c in list(dict.fromkeys(int(c) for c in index.snippet_chunk[windows]))[:K]]
        found.append(any(c.char_start <= a and b <= c.char_end for c in top))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=3_600_000, help="length of the real text before the facts")
    args = parser.parse_args()
    text, spans = with_facts(real_text(args.chars))
    tokens = _count_tokens(text)
    print(f"document: {len(text):,} characters, {tokens:,} SmolLM2 tokens, {len(FACTS)} facts", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "haystack.txt"
        path.write_text(text, encoding="utf-8")
        results = [run_baseline_bm25(text), run_baseline_dense(text)]
        for r in results:
            print(r["method"], f"{sum(r['found'])}/20", f"{r['build']:.1f} s", flush=True)
        longdoc_bm25, _ = run_longdoc(path, spans, None, None)
        results.append(longdoc_bm25)
        cache = Path(tmp) / "cache"
        hybrid, index = run_longdoc(path, spans, "default", cache)
        results.append(hybrid)
        start = time.perf_counter()
        reopened = DocumentIndex.build(load_document(path, cache_dir=cache), cache_dir=cache)
        reopen = time.perf_counter() - start
        assert reopened.dense_ready, "the reopened index should hold the dense part"
        dense_found = dense_part(index, spans)
    base = results[0]
    for r in results:
        rows.append(
            [
                r["method"],
                r["chunks"],
                f"{sum(r['found'])}/20",
                f"{r['ready']:.1f}",
                f"{r['ready'] / base['build']:.1f}x",
                f"{r['build']:.1f}",
                f"{r['build'] / base['build']:.1f}x",
                f"{r['mean']:.1f}",
                f"{r['p95']:.1f}",
                ", ".join(str(i + 1) for i, ok in enumerate(r["found"]) if not ok) or "-",
            ]
        )
    rows.append(
        [
            "longdoc hybrid, reopened from cache_dir",
            hybrid["chunks"],
            "same",
            f"{reopen:.2f}",
            f"{reopen / base['build']:.2f}x",
            "-",
            "-",
            "-",
            "-",
            "-",
        ]
    )
    rows.append(
        [
            "(the hybrid's dense ranking alone)",
            hybrid["chunks"],
            f"{sum(dense_found)}/20",
            "-",
            "-",
            "-",
            "-",
            "-",
            "-",
            ", ".join(str(i + 1) for i, ok in enumerate(dense_found) if not ok) or "-",
        ]
    )
    write_table(
        "retrieval",
        f"Retrieval at {tokens / 1e6:.2f}M tokens: recall@{K} of {len(FACTS)} paraphrased facts",
        [
            "method",
            "chunks",
            f"recall@{K}",
            "ready to ask (s)",
            "ready / rank_bm25 build",
            "full build (s)",
            "build / rank_bm25",
            "query mean (ms)",
            "query p95 (ms)",
            "missed facts",
        ],
        rows,
        notes=f"""Document: {len(text):,} characters of real text (Python reference, docstrings of the standard
library and scientific packages; `benchmarks/corpus.py`), {tokens:,} SmolLM2 tokens, with the
{len(FACTS)} facts of `benchmarks/corpus.py` inserted as paragraphs at depths 2.5%, 7.5%, ... 97.5%;
each is asked in other words than it is written in. A fact counts as found when one of the top {K}
chunks holds all of it. "Ready to ask" for longdoc is `load_document` + `DocumentIndex.build(...,
background=True)` returning with BM25 (the dense index keeps building in a thread); "full build"
waits for the dense index. Reopen is `load_document` + `DocumentIndex.build` from `cache_dir`.
Queries run {REPEATS} rounds of all {len(FACTS)} questions; hybrid queries embed the question.""",
    )


def _count_tokens(text: str) -> int:
    import os

    from transformers import AutoTokenizer

    from longctx.loading import embedded_model_path

    path = embedded_model_path()
    tokenizer = AutoTokenizer.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path))
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


if __name__ == "__main__":
    main()
