"""A user's first question on a new long filing, cold: the two longest of MMLongBench-Doc's filings
joined into one PDF of over 300 pages, asked with its path on an empty cache, once per embedder
number type, side by side in one run: seconds to the first answer (parsing, BM25 and the answer;
the dense index joins in the background) and until the dense index is ready.

    python -m benchmarks.suites.cold [--dtypes float32,bfloat16,int8]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time

from benchmarks.common import write_table
from benchmarks.suites import mmlongbench
from benchmarks.suites.common import extracted

FILINGS = ("ACTIVISIONBLIZZARD_2019_10K.pdf", "3M_2018_10K.pdf")  # 198 + 160 pages
QUESTION = "What was the total revenue in 2018?"


def joined_filing():
    from pypdf import PdfReader, PdfWriter

    out = mmlongbench.DATA / "joined-358-pages.pdf"
    if not out.exists():
        writer = PdfWriter()
        for name in FILINGS:
            path = extracted(mmlongbench.SNAPSHOT, f"data/documents/{name}", mmlongbench.DATA)
            if path is None:
                raise SystemExit(f"{name} is not in the snapshot: fetch github:mayubo2333/MMLongBench-Doc")
            writer.append(PdfReader(path))
        buffer = io.BytesIO()
        writer.write(buffer)
        out.write_bytes(buffer.getvalue())
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.suites.cold")
    parser.add_argument("--dtypes", default="float32,bfloat16,int8")
    parser.add_argument("--name", default="suites-cold")
    args = parser.parse_args(argv)
    from agent import Agent, Done, Progress
    from agent.backends import LocalBackend
    from retrieval import load_document
    from retrieval.dense import SentenceTransformerEmbedder

    path, rows = joined_filing(), []
    backend = LocalBackend(cache_dir=mmlongbench.DATA / "models")  # loaded once: the model is not the filing's cost
    Agent(backend, embedder=None).ask("The model warms up here.", "What warms up?")
    for dtype in args.dtypes.split(","):
        embedder = SentenceTransformerEmbedder(dtype=dtype)
        with tempfile.TemporaryDirectory() as cache:
            agent, marks, start = Agent(backend, cache_dir=cache, embedder=embedder), {}, time.perf_counter()
            for event in agent.ask_stream(path, QUESTION):
                if isinstance(event, Progress) and event.fraction == 1.0:
                    marks.setdefault(event.stage, time.perf_counter() - start)
                if isinstance(event, Done):
                    answer, first = event.answer, time.perf_counter() - start
            index = agent.index_of(load_document(path, cache_dir=cache))  # parsed already: read from the cache
            index.wait()
            ready = time.perf_counter() - start
            pages = len(index.document.pages)
        rows.append(
            [
                dtype,
                str(pages),
                f"{marks.get('load', 0):.0f}",
                f"{first:.0f}",
                f"{ready:.0f}",
                f"{answer.citations[0].page if answer.citations else '-'}",
            ]
        )
        print(
            f"[cold] {dtype}: parsed {marks.get('load', 0):.0f} s, first answer {first:.0f} s, dense ready "
            f"{ready:.0f} s: {answer.text[:80]!r}",
            flush=True,
        )
    write_table(
        args.name,
        "First question on a new 358-page filing, cold (embedded models, 2 CPU cores)",
        ["embedder dtype", "pages", "parsed, s", "first answer, s", "dense index ready, s", "page cited"],
        rows,
        notes=f"Question: {QUESTION!r}. Seconds from the call; the models loaded before the clock starts.",
    )


if __name__ == "__main__":
    main()
