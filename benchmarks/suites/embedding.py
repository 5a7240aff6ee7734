"""The embedder's number type on the suites' filings, side by side in one run: seconds to embed
each filing, and the evidence page among the top 8 chunks of dense search alone and of the fused
(BM25 + dense) search that the agent reads from.

    python -m benchmarks.suites.embedding [--dtypes float32,bfloat16,int8] [--max-docs N]

Questions: MMLongBench-Doc's "Financial report" ones with evidence pages, and docugami's
single-document value questions whose numbers the filing prints (evidence pages as in
`benchmarks.suites.docugami`). bf16 runs natively where the CPU has AVX512-BF16 (this one does).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.common import write_table
from benchmarks.suites import docugami, mmlongbench
from benchmarks.suites.common import READ_K, extracted, pct

DEPTH = 32  # dense windows searched per question (several per chunk)


def filings(max_docs: int) -> list[tuple[str, Path, list[tuple[str, list[int] | None, str]]]]:
    """(suite, PDF, [(question, evidence pages or None: to be located, answer)]) per filing."""
    out = []
    mml = [
        q
        for q in mmlongbench.questions(mmlongbench.SNAPSHOT)
        if q.type == "Financial report" and q.pages and q.format != "None"
    ]
    for name in sorted({q.doc for q in mml}):
        path = extracted(mmlongbench.SNAPSHOT, f"data/documents/{name}", mmlongbench.DATA)
        if path:
            out.append(("MMLongBench-Doc", path, [(q.question, q.pages, q.answer) for q in mml if q.doc == name]))
    dg = [q for q in docugami.questions(docugami.SNAPSHOT) if docugami.distinctive_values(q.answer)]
    for name in sorted({q.doc for q in dg}):
        path = extracted(docugami.SNAPSHOT, f"{docugami.ROOT}/docs/{name}", docugami.DATA)
        if path:
            out.append(("docugami 10-Q", path, [(q.question, None, q.answer) for q in dg if q.doc == name]))
    return out[: max_docs or None]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.suites.embedding")
    parser.add_argument("--dtypes", default="float32,bfloat16,int8")
    parser.add_argument("--max-docs", type=int, default=0)
    parser.add_argument("--name", default="suites-embedding")
    args = parser.parse_args(argv)
    from retrieval import DocumentIndex, load_document
    from retrieval.dense import SentenceTransformerEmbedder

    dtypes = args.dtypes.split(",")
    embedders = {dtype: SentenceTransformerEmbedder(dtype=dtype) for dtype in dtypes}
    tally = {(suite, dtype): [0, 0, 0, 0.0, 0] for suite in ("MMLongBench-Doc", "docugami 10-Q") for dtype in dtypes}
    with tempfile.TemporaryDirectory() as parsed:
        for suite, path, asked in filings(args.max_docs):
            loaded = load_document(path, cache_dir=parsed)
            located = [
                (
                    q,
                    pages
                    if pages is not None
                    else docugami.evidence_pages(docugami.distinctive_values(a), loaded.pages),
                )
                for q, pages, a in asked
            ]
            located = [(q, set(pages)) for q, pages in located if pages]
            for dtype, embedder in embedders.items():  # each dtype in turn on the same filing: a fair clock
                clock = {}
                index = DocumentIndex.build(
                    loaded,
                    embedder=embedder,
                    progress=lambda stage, fraction, clock=clock: clock.setdefault(
                        (stage, fraction), time.perf_counter()
                    ),
                )  # no cache: embedded here, the embedding timed
                seconds = clock["embed", 1.0] - clock["embed", 0.0]
                count = tally[suite, dtype]
                for question, pages in located:
                    windows, _ = index.dense.search(embedder.encode([question])[0], DEPTH)
                    dense = list(dict.fromkeys(int(c) for c in index.snippet_chunk[windows]))[:READ_K]
                    count[0] += bool(pages & {index.chunks[c].page for c in dense})
                    count[1] += bool(pages & {hit.page for hit in index.search(question, k=READ_K)})
                    count[2] += 1
                count[3] += seconds
                count[4] += len(loaded.pages)
                print(
                    f"[embedding] {path.name} {dtype}: {len(loaded.pages)} pages embedded in {seconds:.1f} s",
                    flush=True,
                )
    header = [
        "suite",
        "dtype",
        "questions",
        "evidence page in dense top 8",
        "in fused top 8",
        "pages embedded a second",
    ]
    rows = [
        [suite, dtype, str(c[2]), pct(c[0], c[2]), pct(c[1], c[2]), f"{c[4] / c[3]:.1f}" if c[3] else "-"]
        for (suite, dtype), c in tally.items()
        if c[2]
    ]
    write_table(
        args.name,
        "The embedder's number type on the filings (MiniLM, 2 CPU cores)",
        header,
        rows,
        notes="Seconds of embedding alone (chunking and BM25 are the same for every dtype); each filing is "
        "embedded by every dtype in turn, so the machine's load is shared alike.",
    )


if __name__ == "__main__":
    main()
