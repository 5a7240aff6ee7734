"""Dual Chunk Attention over one sequence's keys, exact, in linear memory.

Keys sit at positions 0..Sk-1 and were rotated at `pos % chunk_len` (cacheable: the angle depends
only on the key). Queries are the last Sq positions and arrive rotated at `pos % chunk_len` too
(the intra-chunk rotation). A query in chunk i attends to
  - its own chunk, causally, with the intra rotation;
  - chunk i-1 with the rotation `min(pos % chunk_len + chunk_len, chunk_size)`;
  - chunks < i-1 with the rotation `chunk_size`;
each part through a kernel that returns its log-sum-exp, merged exactly. The two extra query
rotations are applied on top of the intra one (rotations compose), so the model's rotary module
is reused unchanged. Compute equals dense causal attention; no n x n matrix is formed.
"""

from __future__ import annotations

import torch

from .kernels import attend, merge_partials


def rotate(x: torch.Tensor, angle_steps: torch.Tensor, inv_freq: torch.Tensor) -> torch.Tensor:
    """Rotate x by `angle_steps` more positions (RoPE, rotate-half layout), in fp32.

    x: [B, H, S, D]; angle_steps: [S]; inv_freq: [D/2]
    """
    freqs = angle_steps.to(torch.float32)[:, None] * inv_freq.to(device=x.device, dtype=torch.float32)[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)  # [S, D]
    cos, sin = emb.cos(), emb.sin()
    xf = x.float()
    half = x.shape[-1] // 2
    rotated_half = torch.cat((-xf[..., half:], xf[..., :half]), dim=-1)
    return (xf * cos + rotated_half * sin).to(x.dtype)


def dca_attention(q, k, v, *, chunk_size: int, chunk_len: int, inv_freq, scale: float, backend: str):
    """q: [B, H, Sq, D] at positions Sk-Sq..Sk-1; k, v: [B, Hkv, Sk, D] at 0..Sk-1. Returns [B, H, Sq, D]."""
    sq, sk = q.shape[2], k.shape[2]
    first = sk - sq
    outs = []
    start = first
    while start < sk:  # one span of queries per chunk: prefill loops, a decode step is one span
        chunk = start // chunk_len
        stop = min((chunk + 1) * chunk_len, sk)
        outs.append(
            _chunk_span(
                q[:, :, start - first : stop - first],
                k,
                v,
                start,
                stop,
                chunk,
                chunk_size=chunk_size,
                chunk_len=chunk_len,
                inv_freq=inv_freq,
                scale=scale,
                backend=backend,
            )
        )
        start = stop
    return outs[0] if len(outs) == 1 else torch.cat(outs, dim=2)


def _chunk_span(q, k, v, start, stop, chunk, *, chunk_size, chunk_len, inv_freq, scale, backend):
    # q: [B, H, stop-start, D], all in chunk `chunk`; keys [0, stop) are visible.
    own = chunk * chunk_len
    parts = [attend(q, k[:, :, own:stop], v[:, :, own:stop], scale=scale, causal=True, backend=backend)]
    if chunk >= 1:
        in_chunk = torch.arange(start, stop, device=q.device) - own  # pos % chunk_len
        prev = own - chunk_len
        q_prev = rotate(q, torch.clamp(in_chunk + chunk_len, max=chunk_size) - in_chunk, inv_freq)
        parts.append(attend(q_prev, k[:, :, prev:own], v[:, :, prev:own], scale=scale, causal=False, backend=backend))
        if chunk >= 2:
            q_far = rotate(q, chunk_size - in_chunk, inv_freq)
            parts.append(attend(q_far, k[:, :, :prev], v[:, :, :prev], scale=scale, causal=False, backend=backend))
    return merge_partials(parts)
