"""Attention kernels that also return the log-sum-exp, so partial attentions can be merged exactly.

One entry point, `attend`, picks a backend:
- "flash_attn": flash-attn 2 on CUDA (imported lazily; `return_attn_probs=True` gives the LSE);
- "torch": PyTorch's own fused kernels, no extra package: on CPU its flash kernel ("cpu_flash"),
  on CUDA its flash kernel for fp16/bf16 on sm80+ ("cuda_flash") or its memory-efficient kernel
  ("cuda_efficient", fp32 too); "torch_blocked" where none fits;
- "torch_blocked": plain matmuls over query blocks (any device); memory O(block · keys): the reference.
Any of the names above can be asked for directly (tests, benchmarks).
`causal` is bottom-right aligned (flash-attn's convention): query i sees keys j <= i + Sk - Sq.
"""

from __future__ import annotations

import torch

from .errors import BackendUnavailableError

QUERY_BLOCK = 512  # rows of scores materialised at once by torch_blocked


def flash_attn_available() -> bool:
    try:
        import flash_attn  # noqa: F401
    except Exception:  # ImportError, or a CUDA build that fails to load its library
        return False
    return torch.cuda.is_available()


def resolve_backend(requested: str, device: torch.device, dtype: torch.dtype) -> str:
    """Map a config's backend ("auto" | "torch" | "flash_attn") to the kernel that will run."""
    if requested == "flash_attn":
        if not flash_attn_available():
            raise BackendUnavailableError(
                "backend='flash_attn' needs the flash-attn package and a CUDA GPU: "
                "pip install 'longdoc[gpu]' on a CUDA machine, or use backend='auto' / 'torch'"
            )
        if device.type != "cuda" or dtype not in (torch.float16, torch.bfloat16):
            raise BackendUnavailableError(
                f"backend='flash_attn' runs fp16/bf16 models on CUDA, not {dtype} on {device.type}: "
                "load the model with device='cuda', dtype=torch.bfloat16, or use backend='torch'"
            )
        return "flash_attn"
    if requested == "auto" and device.type == "cuda" and dtype in (torch.float16, torch.bfloat16):
        return "flash_attn" if flash_attn_available() else "torch"
    return "torch"


def repeat_kv(x: torch.Tensor, heads: int) -> torch.Tensor:
    # x: [B, Hkv, S, D] -> [B, heads, S, D]
    groups = heads // x.shape[1]
    return x if groups == 1 else x.repeat_interleave(groups, dim=1)


def attend(q, k, v, *, scale: float, causal: bool, backend: str):
    """q: [B, H, Sq, D]; k, v: [B, Hkv, Sk, D] with Sk >= Sq if causal.

    Returns out [B, H, Sq, D] (q's dtype) and lse [B, H, Sq] (fp32).
    """
    if backend == "flash_attn":
        return _flash_attend(q, k, v, scale=scale, causal=causal)
    b, heads, sq, d = q.shape
    groups = heads // k.shape[1]
    if groups > 1 and (not causal or sq == 1):
        # Every query sees every key (bottom-right causal with one query does too): fold a KV head's
        # query heads into its query rows instead of copying the keys per head (decode: 5x less time).
        out, lse = _attend_heads(
            q.reshape(b, k.shape[1], groups * sq, d), k, v, scale=scale, causal=False, backend=backend
        )
        return out.reshape(b, heads, sq, d), lse.reshape(b, heads, sq)
    return _attend_heads(q, repeat_kv(k, heads), repeat_kv(v, heads), scale=scale, causal=causal, backend=backend)


def _attend_heads(q, k, v, *, scale, causal, backend):
    # q, k, v with the same number of heads
    kernel = torch_kernel(q) if backend == "torch" else backend
    if kernel in FUSED:
        return _fused_attend(FUSED[kernel], q, k, v, scale=scale, causal=causal)
    return _blocked_attend(q, k, v, scale=scale, causal=causal)


def torch_kernel(q: torch.Tensor) -> str:
    """The fastest of PyTorch's fused kernels that takes q (device, dtype, head size)."""
    d = q.shape[-1]
    if q.device.type == "cpu":
        return (
            "cpu_flash" if hasattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu") else "torch_blocked"
        )
    if q.device.type != "cuda" or d % 8:
        return "torch_blocked"
    if q.dtype in (torch.float16, torch.bfloat16) and d <= 256 and torch.cuda.get_device_capability(q.device) >= (8, 0):
        return "cuda_flash"
    return "cuda_efficient"


# Each: (q, k, v with equal heads, causal top-left aligned, scale) -> (out [B, H, Sq, D], lse [B, H, Sq] fp32)
def _cpu_flash(q, k, v, causal, scale):
    return torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(q, k, v, 0.0, causal, scale=scale)[:2]


def _cuda_flash(q, k, v, causal, scale):
    return torch.ops.aten._scaled_dot_product_flash_attention(q, k, v, 0.0, causal, False, scale=scale)[:2]


def _cuda_efficient(q, k, v, causal, scale):
    out, lse = torch.ops.aten._scaled_dot_product_efficient_attention(q, k, v, None, True, 0.0, causal, scale=scale)[:2]
    return out, lse[..., : q.shape[2]]  # its LSE is padded to a multiple of 32 queries


FUSED = {"cpu_flash": _cpu_flash, "cuda_flash": _cuda_flash, "cuda_efficient": _cuda_efficient}


def merge_partials(parts):
    """Exact softmax over the union of disjoint key sets, from each part's (out, lse)."""
    if len(parts) == 1:
        return parts[0][0]
    lse = torch.stack([p[1] for p in parts])  # [P, B, H, Sq]
    top = lse.amax(dim=0).nan_to_num(neginf=0.0)
    weights = torch.exp(lse - top)  # [P, B, H, Sq]
    out = sum(w.unsqueeze(-1) * o.float() for w, (o, _) in zip(weights, parts))
    return (out / weights.sum(dim=0).unsqueeze(-1)).to(parts[0][0].dtype)


def _fused_attend(fused, q, k, v, *, scale, causal):
    sq, sk = q.shape[2], k.shape[2]
    if causal and sk > sq:
        # PyTorch's causal mask is top-left aligned: split off the keys every query sees.
        head = fused(q, k[:, :, : sk - sq], v[:, :, : sk - sq], False, scale)
        tail = fused(q, k[:, :, sk - sq :], v[:, :, sk - sq :], True, scale)
        return merge_partials([head, tail]), torch.logaddexp(head[1], tail[1])
    return fused(q, k, v, causal, scale)


def _blocked_attend(q, k, v, *, scale, causal):
    sq, sk = q.shape[2], k.shape[2]
    outs, lses = [], []
    for start in range(0, sq, QUERY_BLOCK):
        stop = min(start + QUERY_BLOCK, sq)
        scores = torch.matmul(q[:, :, start:stop].float(), k.float().transpose(-1, -2)) * scale  # [B, H, b, Sk]
        if causal:
            rows = torch.arange(start, stop, device=q.device)[:, None] + (sk - sq)
            scores = scores.masked_fill(torch.arange(sk, device=q.device)[None, :] > rows, float("-inf"))
        lse = torch.logsumexp(scores, dim=-1)
        outs.append(torch.matmul(torch.exp(scores - lse.unsqueeze(-1)), v.float()).to(q.dtype))
        lses.append(lse)
    return torch.cat(outs, dim=2), torch.cat(lses, dim=2)


def _flash_attend(q, k, v, *, scale, causal):
    from flash_attn import flash_attn_func  # optional extra: imported only when this backend runs

    # flash-attn wants [B, S, H, D]; it handles GQA and bottom-right causal natively.
    out, lse, _ = flash_attn_func(
        q.transpose(1, 2),
        k.transpose(1, 2),
        v.transpose(1, 2),
        softmax_scale=scale,
        causal=causal,
        return_attn_probs=True,
    )
    return out.transpose(1, 2), lse[..., : q.shape[2]].float()
