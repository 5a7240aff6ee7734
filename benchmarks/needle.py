"""Needle-in-a-haystack on the embedded model: plain vs transformers YaRN vs longctx DCA, side by side.

Each cell: a random access code (niah.tasks.access_code) at a sentence boundary at the given depth
of the Python Language Reference (niah's shipped haystack), asked in the chat template; correct if
the answer contains the code.
Goal (issue 2): DCA >= 90% at 16K and 32K with no loss at 4K; at least, DCA beats both others from 12K up.
"""

import argparse
import random
import time

import longctx
from benchmarks.common import DOCS, CellLog, add_model_options, configure, load, write_table
from longctx.reading import answer
from niah.haystack import Haystack
from niah.tasks import access_code
from retrieval.tokens import token_counter


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="4096,8192,12288,16384")
    parser.add_argument("--depths", default="0.1,0.3,0.5,0.7,0.9")
    parser.add_argument("--methods", default="plain,yarn,dca")
    parser.add_argument("--dca", default=None, help="chunk_size/local_size (default: the model's preset)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="needle")
    parser.add_argument("--fresh", action="store_true", help="start over instead of resuming the cells in NAME.jsonl")
    add_model_options(parser)
    args = parser.parse_args()
    model, tokenizer = load(args.model, args.dtype)
    window = model.config.max_position_embeddings
    dca = (
        longctx.LongContextConfig(*map(int, args.dca.split("/")), original_max_position_embeddings=window)
        if args.dca
        else model.dca_preset
    )
    lengths, depths = list(map(int, args.lengths.split(","))), list(map(float, args.depths.split(",")))
    methods = args.methods.split(",")
    haystack = Haystack.shipped(token_counter(tokenizer), max(lengths))
    log = CellLog(DOCS / f"{args.name}.jsonl", ("method", "tokens", "depth", "seed"), fresh=args.fresh)
    for method in methods:
        todo = [
            (n, depth)
            for n in lengths
            for depth in depths
            if not log.done(method=method, tokens=n, depth=depth, seed=args.seed)
        ]
        if todo:
            configure(model, method, dca)
        for n, depth in todo:
            rng = random.Random(f"{args.seed}-{n}-{depth}")  # same needle for every method
            trial = access_code(rng)
            [value] = trial.expected
            start = time.perf_counter()
            document = haystack.place(n, list(trial.needles), [100 * depth]).text
            reply = answer(model, tokenizer, document, trial.question, max_new_tokens=48)
            log.add(
                dict(
                    method=method,
                    tokens=n,
                    depth=depth,
                    seed=args.seed,
                    expected=value,
                    output=reply,
                    correct=value in reply,
                    seconds=round(time.perf_counter() - start, 1),
                )
            )
    rows = []
    for n in lengths:
        row = [n]
        for method in methods:
            hits = sorted(
                (
                    c
                    for c in log.cells
                    if c["method"] == method
                    and c["tokens"] == n
                    and c.get("seed", 0) == args.seed
                    and c["depth"] in depths
                ),
                key=lambda c: c["depth"],
            )
            marks = "".join("✓" if c["correct"] else "·" for c in hits)
            row.append(f"{sum(c['correct'] for c in hits)}/{len(hits)} {marks}")
        rows.append(row)
    write_table(
        args.name,
        f"Needle in a haystack, {model.title}",
        ["haystack tokens"] + methods,
        rows,
        notes=f"Depths {depths}, one needle per cell (✓ found, · missed, in depth order). "
        f"dca: chunk_size={dca.chunk_size}, local_size={dca.local_size}. Raw outputs: {args.name}.jsonl.",
    )


if __name__ == "__main__":
    main()
