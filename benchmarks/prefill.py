"""Prefill time and peak memory, plain SDPA vs longctx DCA, side by side in one process.

Goal (issue 2): memory growth linear in length; DCA time within 1.5x of plain SDPA at equal length.
"""

import argparse

import torch

from benchmarks.common import PeakRSS, configure, load, write_table
from longctx.reading import reference_text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="8192,16384")
    parser.add_argument("--methods", default="plain,dca")
    args = parser.parse_args()
    model, tokenizer = load()
    ids = tokenizer(reference_text(), return_tensors="pt", add_special_tokens=False)["input_ids"]
    rows, by = [], {}
    for n in map(int, args.lengths.split(",")):
        for method in args.methods.split(","):
            configure(model, method)
            with torch.no_grad(), PeakRSS() as probe:
                model(ids[:, :n], logits_to_keep=1, use_cache=True)  # a generate() prefill: KV cache kept
            by[method, n] = probe
            ratio = probe.seconds / by["plain", n].seconds if ("plain", n) in by else float("nan")
            rows.append([n, method, f"{probe.seconds:.1f}", f"{ratio:.2f}", f"{probe.extra_gib:.2f}"])
            print(rows[-1], flush=True)
    write_table("prefill", "Prefill: plain SDPA vs longctx DCA (SmolLM2-135M-Instruct, fp32, CPU)",
                ["tokens", "method", "seconds", "time / plain", "peak extra RSS GiB"], rows,
                notes="Peak extra RSS: resident memory above the loaded model during the forward, including the "
                      "KV cache. Ratios are measured side by side in one process; absolute seconds are noisy.")


if __name__ == "__main__":
    main()
