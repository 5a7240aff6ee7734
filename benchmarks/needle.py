"""Needle-in-a-haystack on the embedded model: plain vs transformers YaRN vs longctx DCA, side by side.

Each cell: a random access code (niah.tasks.access_code) at a sentence boundary at the given depth
of the Python Language Reference (niah's shipped haystack), asked in the chat template; correct if the answer contains the code.
Goal (issue 2): DCA >= 90% at 16K and 32K with no loss at 4K; at least, DCA beats both others from 12K up.
"""

import argparse
import json
import random
import time

import longctx
from benchmarks.common import DOCS, configure, load, write_table
from longctx.reading import answer
from niah.haystack import Haystack
from niah.tasks import access_code
from retrieval.tokens import token_counter


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="4096,8192,12288,16384")
    parser.add_argument("--depths", default="0.1,0.3,0.5,0.7,0.9")
    parser.add_argument("--methods", default="plain,yarn,dca")
    parser.add_argument("--dca", default=None, help="chunk_size/local_size (default: the SmolLM2 preset)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="needle")
    args = parser.parse_args()
    dca = (longctx.LongContextConfig(*map(int, args.dca.split("/")), original_max_position_embeddings=8192)
           if args.dca else None)
    model, tokenizer = load()
    lengths, depths = list(map(int, args.lengths.split(","))), list(map(float, args.depths.split(",")))
    methods = args.methods.split(",")
    haystack = Haystack.shipped(token_counter(tokenizer), max(lengths))
    cells = []
    with open(DOCS / f"{args.name}.jsonl", "w") as log:
        for method in methods:
            configure(model, method, dca)
            for n in lengths:
                for depth in depths:
                    rng = random.Random(f"{args.seed}-{n}-{depth}")  # same needle for every method
                    trial = access_code(rng)
                    [value] = trial.expected
                    start = time.perf_counter()
                    document = haystack.place(n, list(trial.needles), [100 * depth]).text
                    reply = answer(model, tokenizer, document, trial.question, max_new_tokens=48)
                    cell = dict(method=method, tokens=n, depth=depth, expected=value, output=reply,
                                correct=value in reply, seconds=round(time.perf_counter() - start, 1))
                    cells.append(cell)
                    log.write(json.dumps(cell) + "\n")
                    log.flush()
                    print(cell, flush=True)
    rows = []
    for n in lengths:
        row = [n]
        for method in methods:
            hits = [c for c in cells if c["method"] == method and c["tokens"] == n]
            marks = "".join("✓" if c["correct"] else "·" for c in hits)
            row.append(f"{sum(c['correct'] for c in hits)}/{len(hits)} {marks}")
        rows.append(row)
    cfg = dca or longctx.preset_for("smollm2-135m-instruct")
    write_table(args.name, "Needle in a haystack, SmolLM2-135M-Instruct (trained window 8K)",
                ["haystack tokens"] + methods, rows,
                notes=f"Depths {depths}, one needle per cell (✓ found, · missed, in depth order). "
                      f"dca: chunk_size={cfg.chunk_size}, local_size={cfg.local_size}. Raw outputs: {args.name}.jsonl.")


if __name__ == "__main__":
    main()
