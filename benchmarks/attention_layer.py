"""One Qwen2-7B-shaped attention layer (28 query heads, 4 KV heads, head_dim 128): DCA vs dense, same kernel family.

DCA through each kernel longctx has on the machine, against PyTorch's fused causal SDPA (GQA native),
timed back to back in one process (goal on CUDA: within 1.2x at 32K and 128K).
On CUDA: PyTorch's fused flash and memory-efficient kernels (what backend "torch" picks, no extra
package), flash-attn when installed, and the blocked fp32 matmuls DCA used before them.
On CPU: PyTorch's fused CPU kernel, at lengths a CPU can run.
"""

import argparse
import time

import torch
import torch.nn.functional as F

from benchmarks.common import write_table
from longctx.dca import dca_attention
from longctx.kernels import flash_attn_available, torch_kernel

HEADS, KV_HEADS, HEAD_DIM = 28, 4, 128


def timed(fn, repeats):
    fn()  # warm-up
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default=None, help="default: 32768,131072 on CUDA, 4096,8192,16384 on CPU")
    parser.add_argument("--chunk", default="32768/2048", help="chunk_size/local_size (Qwen2 preset)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    device, dtype = ("cuda", torch.bfloat16) if cuda else ("cpu", torch.float32)
    lengths = list(map(int, (args.lengths or ("32768,131072" if cuda else "4096,8192,16384")).split(",")))
    chunk_size, local_size = map(int, args.chunk.split("/"))
    if not cuda:  # keep several chunks at CPU lengths: scale the chunk down with the lengths
        chunk_size, local_size = chunk_size // 8, local_size // 8
    rows = []
    for n in lengths:
        q = torch.randn(1, HEADS, n, HEAD_DIM, device=device, dtype=dtype)
        k, v = (torch.randn(1, KV_HEADS, n, HEAD_DIM, device=device, dtype=dtype) for _ in range(2))
        inv_freq = 1.0 / (1e6 ** (torch.arange(0, HEAD_DIM, 2, device=device).float() / HEAD_DIM))
        kernels = [torch_kernel(q)] + (["cuda_efficient", "torch_blocked"] if cuda else [])
        kernels += ["flash_attn"] if flash_attn_available() else []
        t_dense = timed(
            lambda q=q, k=k, v=v: F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True), args.repeats
        )
        for kernel in dict.fromkeys(kernels):
            t_dca = timed(
                lambda q=q, k=k, v=v, inv_freq=inv_freq, kernel=kernel: dca_attention(
                    q,
                    k,
                    v,
                    chunk_size=chunk_size,
                    chunk_len=chunk_size - local_size,
                    inv_freq=inv_freq,
                    scale=HEAD_DIM**-0.5,
                    backend=kernel,
                ),
                args.repeats,
            )
            rows.append(
                [
                    n,
                    f"{chunk_size}/{local_size}",
                    kernel,
                    f"{t_dense * 1e3:.0f}",
                    f"{t_dca * 1e3:.0f}",
                    f"{t_dca / t_dense:.2f}",
                ]
            )
            print(rows[-1], flush=True)
    write_table(
        f"attention-layer-{'cuda' if cuda else 'cpu'}",
        "Qwen2-7B-shaped attention layer: DCA vs dense causal attention",
        ["tokens", "chunk/local", "backend", "dense ms", "DCA ms", "DCA / dense"],
        rows,
        notes=f"Dense is PyTorch's fused causal SDPA (enable_gqa), {dtype}; both sides one layer, batch 1, "
        "timed back to back in one process.",
    )


if __name__ == "__main__":
    main()
