"""Prefill time and peak memory, plain SDPA vs longctx DCA, side by side in one process.

Goal (issue 2): memory growth linear in length; DCA time within 1.5x of plain SDPA at equal length.
"""

import argparse
import json
import subprocess
import sys

import torch

from benchmarks.common import PeakRSS, configure, load, write_table
from niah.haystack import shipped_text


def measure(method: str, n: int) -> dict:
    """One prefill in this (fresh) process, so freed memory of earlier runs cannot hide the peak."""
    model, tokenizer = load()
    ids = tokenizer(shipped_text(0), return_tensors="pt", add_special_tokens=False)["input_ids"][:, :n]
    configure(model, method)
    with torch.no_grad(), PeakRSS() as probe:
        model(ids, logits_to_keep=1, use_cache=True)  # a generate() prefill: KV cache kept
    return {"seconds": probe.seconds, "extra_gib": probe.extra_gib}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="8192,16384")
    parser.add_argument("--methods", default="plain,dca")
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "TOKENS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], int(args.one[1]))))
        return
    rows, by = [], {}
    for n in map(int, args.lengths.split(",")):
        for method in args.methods.split(","):
            child = subprocess.run(
                [sys.executable, "-m", "benchmarks.prefill", "--one", method, str(n)],
                capture_output=True,
                text=True,
                check=True,
            )
            by[method, n] = result = json.loads(child.stdout.strip().splitlines()[-1])
            ratio = result["seconds"] / by["plain", n]["seconds"] if ("plain", n) in by else float("nan")
            rows.append([n, method, f"{result['seconds']:.1f}", f"{ratio:.2f}", f"{result['extra_gib']:.2f}"])
            print(rows[-1], flush=True)
    write_table(
        "prefill",
        "Prefill: plain SDPA vs longctx DCA (SmolLM2-135M-Instruct, fp32, CPU)",
        ["tokens", "method", "seconds", "time / plain", "peak extra RSS GiB"],
        rows,
        notes="Each row runs in a fresh process. Peak extra RSS: resident memory above the loaded model during "
        "the forward, KV cache included. Rows of one length run back to back; compare ratios, "
        "not absolute seconds.",
    )


if __name__ == "__main__":
    main()
