"""Perplexity per 4K-token segment of one long input of real text: plain vs transformers YaRN vs DCA.

Goal (issue 2): DCA's perplexity on the last 4K tokens of a 32K input within 10% of its 4K-8K value.
"""

import argparse
import math
import time

import torch
import torch.nn.functional as F

from benchmarks.common import DOCS, CellLog, add_model_options, configure, load, write_table
from niah.haystack import shipped_text

SEGMENT = 4096


def _segments(n_tokens):
    return [(start, min(start + SEGMENT, n_tokens - 1)) for start in range(0, n_tokens, SEGMENT)]


def _perplexity(model, hidden, ids, start, stop):
    """Perplexity of ids[start+1 : stop+1] from the hidden states of positions start..stop-1."""
    logits = model.lm_head(hidden).float()  # one segment at a time: a 32K x 49K logits matrix would be 6 GB
    return math.exp(F.cross_entropy(logits, ids[0, start + 1 : stop + 1]).item())


@torch.no_grad()
def segment_perplexities(model, ids):
    hidden = model.model(ids, use_cache=False).last_hidden_state[0]  # [S, hidden]: one forward, every segment
    return [_perplexity(model, hidden[start:stop], ids, start, stop) for start, stop in _segments(ids.shape[1])]


@torch.no_grad()
def windowed_segment_perplexities(model, ids):
    """Reference inside the trained window: each segment read with only the previous segment as context."""
    out = []
    for start, stop in _segments(ids.shape[1]):
        context = max(0, start - SEGMENT)
        hidden = model.model(ids[:, context:stop], use_cache=False).last_hidden_state[0]
        out.append(_perplexity(model, hidden[start - context :], ids, start, stop))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--length", type=int, default=16384)
    parser.add_argument("--methods", default="plain,yarn,dca,window")
    parser.add_argument("--name", default=None, help="default: perplexity-LENGTHk, or perplexity-MODEL-LENGTHk")
    parser.add_argument("--fresh", action="store_true", help="start over instead of resuming the methods in NAME.jsonl")
    add_model_options(parser)
    args = parser.parse_args()
    name = args.name or f"perplexity-{'' if args.model == 'smollm2' else args.model + '-'}{args.length // 1024}k"
    model, tokenizer = load(args.model, args.dtype)
    text = shipped_text(5 * args.length)  # the Python Language Reference first: the same start at every length
    ids = tokenizer(text, return_tensors="pt", add_special_tokens=False)["input_ids"][:, : args.length]
    if ids.shape[1] < args.length:
        raise SystemExit(f"the shipped text has {ids.shape[1]} tokens, fewer than --length {args.length}")
    segments = [f"{s // 1024}K-{min(s + SEGMENT, args.length) // 1024}K" for s in range(0, args.length, SEGMENT)]
    log = CellLog(DOCS / f"{name}.jsonl", ("method", "length"), fresh=args.fresh)
    methods = args.methods.split(",")
    for method in methods:
        if log.done(method=method, length=args.length):
            continue
        start = time.perf_counter()
        if method == "window":
            ppl = windowed_segment_perplexities(configure(model, "plain"), ids)
        else:
            ppl = segment_perplexities(configure(model, method), ids)
        log.add(
            dict(
                method=method,
                length=args.length,
                perplexities=[round(p, 3) for p in ppl],
                seconds=round(time.perf_counter() - start),
            )
        )
    cells = {c["method"]: c for c in log.cells if c["length"] == args.length}
    rows = [[m] + [f"{p:.2f}" for p in cells[m]["perplexities"]] + [cells[m]["seconds"]] for m in methods if m in cells]
    window = model.config.max_position_embeddings
    cfg = model.dca_preset
    write_table(
        name,
        f"Perplexity per segment of a {args.length}-token input (Python Language Reference text)",
        ["method"] + segments + ["seconds"],
        rows,
        notes=f"{model.title}. yarn = transformers' rope_parameters yarn, factor 4; dca = longctx with the "
        f"model's preset (chunk_size={cfg.chunk_size}, local_size={cfg.local_size}); window = reference "
        f"inside the trained window ({window} tokens): each segment scored by the plain model with only "
        "the previous 4K tokens as context (how hard the segment's text is by itself). "
        f"Raw: {name}.jsonl.",
    )


if __name__ == "__main__":
    main()
