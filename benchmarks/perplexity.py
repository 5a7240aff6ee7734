"""Perplexity per 4K-token segment of one long input of real text: plain vs transformers YaRN vs DCA.

Goal (issue 2): DCA's perplexity on the last 4K tokens of a 32K input within 10% of its 4K-8K value.
"""

import argparse
import math

import torch
import torch.nn.functional as F

from benchmarks.common import configure, load, write_table
from longctx.reading import reference_text

SEGMENT = 4096


@torch.no_grad()
def segment_perplexities(model, ids):
    hidden = model.model(ids, use_cache=False).last_hidden_state[0]  # [S, hidden]; logits made per slice
    out = []
    for start in range(0, ids.shape[1], SEGMENT):
        stop = min(start + SEGMENT, ids.shape[1] - 1)
        logits = model.lm_head(hidden[start:stop]).float()
        out.append(math.exp(F.cross_entropy(logits, ids[0, start + 1:stop + 1]).item()))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--length", type=int, default=16384)
    parser.add_argument("--methods", default="plain,yarn,dca")
    args = parser.parse_args()
    model, tokenizer = load()
    ids = tokenizer(reference_text(), return_tensors="pt", add_special_tokens=False)["input_ids"][:, :args.length]
    segments = [f"{s // 1024}K-{min(s + SEGMENT, args.length) // 1024}K" for s in range(0, args.length, SEGMENT)]
    rows = []
    for method in args.methods.split(","):
        ppl = segment_perplexities(configure(model, method), ids)
        rows.append([method] + [f"{p:.2f}" for p in ppl])
        print(rows[-1], flush=True)
    write_table(f"perplexity-{args.length // 1024}k",
                f"Perplexity per segment of a {args.length}-token input (Python Language Reference text)",
                ["method"] + segments, rows,
                notes="SmolLM2-135M-Instruct, trained window 8K. yarn = transformers' rope_parameters yarn, factor 4; "
                      "dca = longctx with the SmolLM2 preset.")


if __name__ == "__main__":
    main()
