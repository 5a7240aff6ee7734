"""DCA on tiny random models against dense attention and an independent naive O(n^2) reference."""

import copy
import math

import pytest
import torch
from transformers import AttentionInterface

import longctx
from tests.longctx.tiny_models import tiny_model

CHUNK, LOCAL = 64, 16  # period 48
KINDS = ["qwen2", "qwen2_moe", "llama"]


def _rope(x, positions, inv_freq):
    # Rotate x: [B, H, S, D] to absolute angles positions: [S] (float), rotate-half layout.
    ang = positions.double()[:, None] * inv_freq.double()[None, :]
    cos, sin = torch.cat([ang.cos(), ang.cos()], -1), torch.cat([ang.sin(), ang.sin()], -1)
    x = x.double()
    half = x.shape[-1] // 2
    return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin


def naive_dca_reference(original_window, coefficient=0.1):
    """Attention function that rebuilds every score from un-rotated q, k by the DCA position rule,
    with the temperature (coefficient·ln(L/original_window) + 1)² applied once."""

    def forward(module, q, k, v, mask, scaling=None, **kwargs):
        # q: [1, H, S, D], k, v: [1, Hkv, S, D], rotated at true positions 0..S-1 by the unpatched model
        # (with its own frequencies and, for YaRN, cos/sin times its attention factor).
        n, period = q.shape[2], CHUNK - LOCAL
        pos = torch.arange(n)
        inv_freq, factor = module.reference_inv_freq, module.reference_attention_factor
        q_raw, k_raw = _rope(q, -pos, inv_freq) / factor, _rope(k, -pos, inv_freq) / factor
        inv_freq = module.dca_inv_freq  # the frequencies DCA rotates with
        k_raw = k_raw.repeat_interleave(q.shape[1] // k.shape[1], dim=1)
        keys = _rope(k_raw, pos % period, inv_freq)
        in_chunk, chunk = pos % period, pos // period
        same = _rope(q_raw, in_chunk, inv_freq) @ keys.transpose(-1, -2)
        prev = _rope(q_raw, torch.clamp(in_chunk + period, max=CHUNK), inv_freq) @ keys.transpose(-1, -2)
        far = _rope(q_raw, torch.full((n,), CHUNK), inv_freq) @ keys.transpose(-1, -2)
        gap = chunk[:, None] - chunk[None, :]
        scores = torch.where(gap == 0, same, torch.where(gap == 1, prev, far))
        # per query: the query at position i sees i + 1 keys
        temperature = torch.tensor(
            [
                (coefficient * math.log((i + 1) / original_window) + 1) ** 2 if i + 1 > original_window else 1.0
                for i in range(n)
            ],
            dtype=torch.float64,
        )
        scores = scores * module.scaling * temperature[:, None]
        scores = scores.masked_fill(pos[None, :] > pos[:, None], float("-inf"))
        out = torch.softmax(scores, -1) @ v.double().repeat_interleave(q.shape[1] // k.shape[1], dim=1)
        return out.to(q.dtype).transpose(1, 2).contiguous(), None

    return forward


def _reference_model(model, original_window, coefficient=0.1, dca_inv_freq=None, attention_factor=1.0):
    ref = copy.deepcopy(model)
    name = f"naive_dca_reference_{original_window}_{coefficient}"
    AttentionInterface.register(name, naive_dca_reference(original_window, coefficient))
    inv_freq = next(m for m in ref.modules() if hasattr(m, "inv_freq")).inv_freq
    for m in ref.modules():
        if hasattr(m, "k_proj"):
            m.reference_inv_freq, m.reference_attention_factor = inv_freq, attention_factor
            m.dca_inv_freq = inv_freq if dca_inv_freq is None else dca_inv_freq
    ref.set_attn_implementation(name)
    return ref


@pytest.mark.parametrize("kind", KINDS)
def test_fits_one_period_equals_dense(kind):
    model = tiny_model(kind)
    ids = torch.randint(1, 128, (2, CHUNK - LOCAL))
    with torch.no_grad():
        dense = model(ids).logits
        longctx.apply(model, longctx.LongContextConfig(CHUNK, LOCAL))
        dca = model(ids).logits
    torch.testing.assert_close(dca, dense, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scale_attention", [True, False])
def test_many_chunks_equal_naive_reference(kind, scale_attention):
    model = tiny_model(kind)
    original = model.config.max_position_embeddings  # 64: a 230-token input gets the temperature
    ref = _reference_model(model, original if scale_attention else 10**9)
    longctx.apply(model, longctx.LongContextConfig(CHUNK, LOCAL, scale_attention=scale_attention))
    ids = torch.randint(1, 128, (1, 230))  # chunks 0..4, the last one partial
    with torch.no_grad():
        expected, got = ref(ids).logits, model(ids).logits
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)
    # and DCA really differs from dense attention at this length
    with torch.no_grad():
        dense = longctx.remove(model)(ids).logits
    assert (dense - expected).abs().max() > 1e-3  # 10x the tolerance above


def test_temperature_coefficient_is_the_one_asked_for():
    model = tiny_model("qwen2")
    ref = _reference_model(model, 64, coefficient=0.3)
    longctx.apply(model, longctx.LongContextConfig(CHUNK, LOCAL, temperature_coefficient=0.3))
    ids = torch.randint(1, 128, (1, 230))
    with torch.no_grad():
        torch.testing.assert_close(model(ids).logits, ref(ids).logits, atol=1e-4, rtol=1e-4)


YARN = {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 16, "rope_theta": 10000.0}


@pytest.mark.parametrize("scale_attention", [True, False])
def test_a_yarn_model_gets_one_temperature_never_two(scale_attention):
    # Qwen2 with YaRN rope_parameters: transformers multiplies cos/sin by 0.1·ln(4) + 1 and stretches
    # frequencies; under DCA the trained frequencies rotate and only longctx's temperature applies.
    model = tiny_model("qwen2", rope_parameters=YARN)
    yarn_factor = 0.1 * math.log(YARN["factor"]) + 1.0  # 1.1386, computed here, not read from transformers
    head_dim = 64 // 4
    trained = 1.0 / (YARN["rope_theta"] ** (torch.arange(0, head_dim, 2).double() / head_dim))
    original = YARN["original_max_position_embeddings"] if scale_attention else 10**9
    once = _reference_model(model, original, dca_inv_freq=trained, attention_factor=yarn_factor)
    twice = _reference_model(model, original, dca_inv_freq=trained, attention_factor=1.0)  # YaRN's factor kept
    ids = torch.randint(1, 128, (1, 230))
    with torch.no_grad():
        as_loaded = model(ids).logits
        longctx.apply(model, longctx.LongContextConfig(CHUNK, LOCAL, scale_attention=scale_attention))
        got, expected = model(ids).logits, once(ids).logits
        torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)
        assert (twice(ids).logits - expected).abs().max() > 1e-3  # two temperatures would be measurably off
        torch.testing.assert_close(longctx.remove(model)(ids).logits, as_loaded)  # YaRN restored


@pytest.mark.parametrize("kind", KINDS)
def test_decode_with_cache_equals_full_recompute(kind):
    # A small original window makes the temperature change at every step: a cached decode must still match.
    model = longctx.apply(tiny_model(kind), longctx.LongContextConfig(CHUNK, LOCAL, original_max_position_embeddings=8))
    prompt = torch.randint(1, 128, (1, 70))
    with torch.no_grad():
        out = model.generate(
            prompt, max_new_tokens=40, do_sample=False, output_logits=True, return_dict_in_generate=True, pad_token_id=0
        )
        for step, step_logits in enumerate(out.logits):  # decode crosses the chunk boundary at 96
            prefix = out.sequences[:, : prompt.shape[1] + step]
            full = model(prefix).logits[:, -1]
            # exact up to float rounding (~2e-7 here); a temperature taken from the whole length drifts ~3e-5
            torch.testing.assert_close(step_logits, full, atol=2e-6, rtol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_batch_with_left_padding_equals_one_by_one(kind):
    model = longctx.apply(tiny_model(kind), longctx.LongContextConfig(CHUNK, LOCAL))
    prompts = [torch.randint(1, 128, (n,)) for n in (60, 130, 101)]
    width = max(len(p) for p in prompts)
    ids = torch.stack([torch.cat([torch.zeros(width - len(p), dtype=torch.long), p]) for p in prompts])
    mask = (torch.arange(width)[None, :] >= torch.tensor([width - len(p) for p in prompts])[:, None]).long()
    kwargs = dict(max_new_tokens=12, do_sample=False, output_logits=True, return_dict_in_generate=True, pad_token_id=0)
    with torch.no_grad():
        batched = model.generate(ids, attention_mask=mask, **kwargs)
        for row, prompt in enumerate(prompts):
            alone = model.generate(prompt[None], **kwargs)
            assert batched.sequences[row, width:].tolist() == alone.sequences[0, len(prompt) :].tolist()
            for step_b, step_a in zip(batched.logits, alone.logits):
                torch.testing.assert_close(step_b[row], step_a[0], atol=1e-4, rtol=1e-4)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("dtype,tolerance", [(torch.float32, 1e-4), (torch.bfloat16, 1e-1)])
def test_cuda_torch_kernels_equal_the_cpu_path(dtype, tolerance):
    # backend "auto" on CUDA without flash-attn: PyTorch's fused kernels; on CPU: its CPU flash kernel
    config = longctx.LongContextConfig(CHUNK, LOCAL)
    ids = torch.randint(1, 128, (1, 230))
    with torch.no_grad():
        expected = longctx.apply(tiny_model("qwen2"), config)(ids).logits
        gpu = longctx.apply(tiny_model("qwen2").to("cuda", dtype), config)
        got = gpu(ids.cuda()).logits.float().cpu()
    torch.testing.assert_close(got, expected, atol=tolerance, rtol=tolerance)
