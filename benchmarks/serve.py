"""`longdoc serve` with the embedded model, measured as a client sees it (the real server in a
subprocess on 127.0.0.1, the official `openai` SDK):

- a first and a second question on one document of 8K and 16K tokens: the second reuses the
  document's KV cache (goal: >= 10x faster);
- time to first token and tokens per second with 1 and 4 concurrent streaming clients;
- 20 clients at once against a queue of 8: how many are served, how many told 429, none hung.

    python -m benchmarks.serve [--lengths 8192 16384]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from benchmarks.common import write_table
from benchmarks.corpus import real_text
from retrieval.cache import DEFAULT_CACHE_DIR

MODEL = "SmolLM2-135M-Instruct"


def start_server(port: int, cache_dir: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "longdoc.cli",
            "serve",
            "--port",
            str(port),
            "--cache-dir",
            str(cache_dir),
            "--kv-cache-gb",
            "4",
            "--max-queue",
            "8",
        ],
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.5)
    raise RuntimeError("longdoc serve did not start")


def document_of(tokens: int, tokenizer) -> str:
    text = real_text(tokens * 6)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"][:tokens]
    return tokenizer.decode(ids)


def ask(sdk, document: str, question: str, max_tokens: int = 16):
    start = time.perf_counter()
    reply = sdk.chat.completions.create(
        model=MODEL,
        max_tokens=max_tokens,
        messages=[
            {"role": "system", "content": "Answer from the document."},
            {"role": "user", "content": f"{document}\n\nQuestion: {question}"},
        ],
    )
    return time.perf_counter() - start, reply.usage


def stream_one(sdk, question: str) -> tuple[float, float, int]:
    """(seconds to the first token, seconds in all, tokens)."""
    start, first, pieces = time.perf_counter(), None, 0
    for chunk in sdk.chat.completions.create(
        model=MODEL, max_tokens=48, stream=True, messages=[{"role": "user", "content": question}]
    ):
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or time.perf_counter() - start
            pieces += 1
    return first or 0.0, time.perf_counter() - start, pieces


def main() -> None:
    from openai import OpenAI, RateLimitError
    from transformers import AutoTokenizer

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[8192, 16384])
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    server = start_server(args.port, DEFAULT_CACHE_DIR)
    sdk = OpenAI(base_url=f"http://127.0.0.1:{args.port}/v1", api_key="loopback", max_retries=0, timeout=1800)
    tokenizer = AutoTokenizer.from_pretrained(next((DEFAULT_CACHE_DIR / "models").glob("SmolLM2-135M-Instruct*")))
    rows = []
    try:
        for tokens in args.lengths:
            document = document_of(tokens, tokenizer)
            cold, first = ask(sdk, document, "What is this text about?")
            warm, second = ask(sdk, document, "Which keyword starts a function definition?")
            rows.append(
                [
                    f"first vs second question, {first.prompt_tokens:,}-token prompt",
                    f"{cold:.1f} s",
                    f"{warm:.1f} s ({second.prompt_tokens_details.cached_tokens:,} tokens reused)",
                    f"{cold / warm:.0f}x faster",
                ]
            )
        for clients in (1, 4):
            with ThreadPoolExecutor(clients) as pool:
                began = time.perf_counter()
                results = list(
                    pool.map(lambda n: stream_one(sdk, f"Tell me a short fact about the number {n}."), range(clients))
                )
                wall = time.perf_counter() - began
            ttft = [r[0] for r in results]
            rows.append(
                [
                    f"{clients} streaming client(s), 48 tokens each",
                    f"time to first token median {statistics.median(ttft):.2f} s, max {max(ttft):.2f} s",
                    f"{sum(r[2] for r in results) / wall:.1f} tokens/s in all",
                    "one generation at a time",
                ]
            )

        def one(n):
            try:
                sdk.chat.completions.create(
                    model=MODEL, max_tokens=8, messages=[{"role": "user", "content": f"Say {n}."}]
                )
                return "served"
            except RateLimitError:
                return "429"

        with ThreadPoolExecutor(20) as pool:
            began = time.perf_counter()
            outcomes = list(pool.map(one, range(20)))
            wall = time.perf_counter() - began
        rows.append(
            [
                "20 clients at once, queue of 8",
                f"{outcomes.count('served')} served",
                f"{outcomes.count('429')} told 429 (Retry-After)",
                f"all ended in {wall:.1f} s",
            ]
        )
        metrics = httpx.get(f"http://127.0.0.1:{args.port}/metrics").text
    finally:
        server.terminate()
        server.wait(30)
    hits = next(line for line in metrics.splitlines() if line.startswith("longdoc_prefix_cache_hits_total"))
    write_table(
        "serve",
        "longdoc serve, embedded SmolLM2-135M on 2 CPU cores, called with the openai SDK",
        ["measure", "first / value", "second / value", "ratio / note"],
        rows,
        notes=f"Greedy replies of at most 16 tokens for the document questions. Server metrics at the end: {hits}.",
    )


if __name__ == "__main__":
    main()
