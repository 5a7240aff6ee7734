"""The attention kernels agree with each other and with a plain softmax, LSE included."""

import pytest
import torch

from longctx.kernels import attend, flash_attn_available, merge_partials


def _plain(q, k, v, scale, causal):
    k = k.repeat_interleave(q.shape[1] // k.shape[1], 1)
    v = v.repeat_interleave(q.shape[1] // v.shape[1], 1)
    s = (q.double() @ k.double().transpose(-1, -2)) * scale
    if causal:  # bottom-right aligned
        sq, sk = q.shape[2], k.shape[2]
        s = s.masked_fill(torch.arange(sk)[None] > torch.arange(sq)[:, None] + sk - sq, float("-inf"))
    return (torch.softmax(s, -1) @ v.double()).float(), torch.logsumexp(s, -1).float()


@pytest.mark.parametrize("backend", ["torch", "torch_blocked"])
@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("sq,sk", [(37, 37), (5, 70), (1, 33), (600, 1100)])
def test_kernel_matches_plain_softmax(backend, causal, sq, sk):
    torch.manual_seed(sq + sk)
    q, k, v = torch.randn(2, 6, sq, 16), torch.randn(2, 2, sk, 16), torch.randn(2, 2, sk, 16)
    out, lse = attend(q, k, v, scale=0.3, causal=causal, backend=backend)
    ref_out, ref_lse = _plain(q, k, v, 0.3, causal)
    torch.testing.assert_close(out, ref_out, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(lse, ref_lse, atol=1e-5, rtol=1e-5)


def test_merging_disjoint_key_sets_equals_one_softmax():
    torch.manual_seed(0)
    q, k, v = torch.randn(1, 4, 9, 8), torch.randn(1, 4, 50, 8), torch.randn(1, 4, 50, 8)
    parts = [
        attend(q, k[:, :, a:b], v[:, :, a:b], scale=0.5, causal=False, backend="torch")
        for a, b in [(0, 7), (7, 31), (31, 50)]
    ]
    torch.testing.assert_close(merge_partials(parts), _plain(q, k, v, 0.5, False)[0], atol=1e-5, rtol=1e-4)


@pytest.mark.cuda
@pytest.mark.skipif(not flash_attn_available(), reason="flash-attn path needs CUDA and the flash-attn package")
@pytest.mark.parametrize("causal", [True, False])
def test_flash_attn_matches_torch(causal):
    torch.manual_seed(0)
    q = torch.randn(2, 8, 300, 64, device="cuda", dtype=torch.bfloat16)
    k, v = (torch.randn(2, 2, 700, 64, device="cuda", dtype=torch.bfloat16) for _ in range(2))
    out, lse = attend(q, k, v, scale=0.125, causal=causal, backend="flash_attn")
    ref_out, ref_lse = attend(q, k, v, scale=0.125, causal=causal, backend="torch_blocked")
    torch.testing.assert_close(out.float(), ref_out.float(), atol=2e-2, rtol=2e-2)
    torch.testing.assert_close(lse, ref_lse, atol=1e-2, rtol=1e-3)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="PyTorch's fused CUDA kernels need a CUDA GPU")
@pytest.mark.parametrize(
    "kernel,dtype",
    [
        ("torch", torch.bfloat16),
        ("torch", torch.float32),
        ("cuda_efficient", torch.bfloat16),
        ("cuda_efficient", torch.float16),
    ],
)
@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("sq,sk", [(300, 300), (300, 700), (1, 700), (45, 45)])
def test_torch_cuda_kernels_match_the_blocked_reference(kernel, dtype, causal, sq, sk):
    # GQA (8 query heads over 2), bottom-right causal with more keys than queries, one decode row
    torch.manual_seed(0)
    q = torch.randn(2, 8, sq, 64, device="cuda", dtype=dtype)
    k, v = (torch.randn(2, 2, sk, 64, device="cuda", dtype=dtype) for _ in range(2))
    out, lse = attend(q, k, v, scale=0.125, causal=causal, backend=kernel)
    ref_out, ref_lse = attend(q.double(), k.double(), v.double(), scale=0.125, causal=causal, backend="torch_blocked")
    tolerance = 1e-4 if dtype == torch.float32 else 2e-2
    torch.testing.assert_close(out.double(), ref_out, atol=tolerance, rtol=tolerance)
    torch.testing.assert_close(lse.double(), ref_lse.double(), atol=tolerance, rtol=tolerance)


@pytest.mark.parametrize("kernel,dtype", [("cuda_flash", torch.bfloat16), ("cuda_efficient", torch.float32)])
@pytest.mark.parametrize("causal,sq,sk", [(True, 45, 300), (True, 300, 300), (False, 1, 300)])
def test_cuda_kernel_calls_fit_torchs_signatures(kernel, dtype, causal, sq, sk):
    # Without a GPU, torch's meta kernels check what the CUDA path passes (argument order, GQA
    # folding, the LSE's shape: the efficient kernel pads it to 32 queries) and returns.
    q = torch.empty(2, 8, sq, 64, device="meta", dtype=dtype)
    k, v = (torch.empty(2, 2, sk, 64, device="meta", dtype=dtype) for _ in range(2))
    out, lse = attend(q, k, v, scale=0.125, causal=causal, backend=kernel)
    assert out.shape == (2, 8, sq, 64) and out.dtype == dtype
    assert lse.shape == (2, 8, sq) and lse.dtype == torch.float32
