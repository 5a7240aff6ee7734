"""Bad input gets a typed error that names the fix."""

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel

import longctx
from longctx.kernels import flash_attn_available
from tests.longctx.tiny_models import tiny_model


@pytest.mark.parametrize("chunk,local", [(64, 64), (64, 100)])
def test_local_size_not_below_chunk_size(chunk, local):
    with pytest.raises(longctx.ConfigError, match="local_size .* must be smaller than chunk_size"):
        longctx.LongContextConfig(chunk, local)


def test_unknown_backend():
    with pytest.raises(longctx.ConfigError, match="backend must be one of"):
        longctx.LongContextConfig(64, 16, backend="triton")


def test_unsupported_architecture():
    gpt2 = GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=64))
    with pytest.raises(longctx.UnsupportedModelError, match="supports RoPE decoders"):
        longctx.apply(gpt2, longctx.LongContextConfig(64, 16))


@pytest.mark.skipif(flash_attn_available(), reason="flash-attn is present here")
def test_flash_attn_requested_but_absent():
    with pytest.raises(longctx.BackendUnavailableError, match=r"pip install 'longdoc\[gpu\]'"):
        longctx.apply(tiny_model("qwen2"), longctx.LongContextConfig(64, 16, backend="flash_attn"))


def test_input_longer_than_max_length():
    model = longctx.apply(tiny_model("qwen2"), longctx.LongContextConfig(64, 16, max_length=100))
    with torch.no_grad():
        model(torch.randint(1, 128, (1, 100)))  # at the limit: fine
        with pytest.raises(longctx.ContextTooLongError, match="exceeds .* max_length of 100"):
            model(torch.randint(1, 128, (1, 101)))


def test_presets_resolve_by_name_and_model_config():
    assert longctx.preset_for("Qwen/Qwen2-7B-Instruct").chunk_size == 32768
    assert longctx.preset_for("/models/SmolLM2-135M-Instruct.Q4_1.gguf") is longctx.PRESETS["smollm2-135m-instruct"]
    assert longctx.preset_for("Qwen/Qwen2.5-7B-Instruct-1M").chunk_size == 262144
    assert longctx.preset_for("gpt2") is None

    class OneMillion:  # what Qwen2.5-*-Instruct-1M's config.json carries
        max_position_embeddings = 1010000
        dual_chunk_attention_config = {
            "chunk_size": 262144,
            "local_size": 8192,
            "original_max_position_embeddings": 262144,
        }

    cfg = longctx.preset_for("some/local/folder", OneMillion())
    assert (cfg.chunk_size, cfg.local_size, cfg.chunk_len, cfg.max_length) == (262144, 8192, 253952, 1010000)


def test_attention_temperature():
    assert longctx.attention_temperature(8192, 8192) == 1.0
    assert abs(longctx.attention_temperature(4 * 32768, 32768) - 1.1386) < 1e-4  # Qwen2-7B, factor 4
    assert abs(longctx.attention_temperature(4 * 32768, 32768, coefficient=0.2) - 1.2773) < 1e-4


@pytest.mark.parametrize("coefficient", [-0.1, "0.1", None])
def test_temperature_coefficient_is_a_number_not_below_zero(coefficient):
    with pytest.raises(longctx.ConfigError, match="temperature_coefficient"):
        longctx.LongContextConfig(64, 16, temperature_coefficient=coefficient)


def test_settings_name_the_temperature_where_it_is_not_yarns():
    from agent.windows import settings_key

    model = tiny_model("llama")
    assert settings_key(model) == "plain"
    for config, key in [
        (longctx.LongContextConfig(64, 16), "dca-64-16"),
        (longctx.LongContextConfig(64, 16, scale_attention=False), "dca-64-16-t0"),
        (longctx.LongContextConfig(64, 16, temperature_coefficient=0.25), "dca-64-16-t0.25"),
    ]:
        assert settings_key(longctx.apply(model, config)) == key


def test_remove_restores_plain_model():
    model = tiny_model("llama")
    ids = torch.randint(1, 128, (1, 150))
    with torch.no_grad():
        before = model(ids).logits
        longctx.apply(model, longctx.LongContextConfig(64, 16))
        assert model.config._attn_implementation == "longctx_dca"
        longctx.remove(model)
        torch.testing.assert_close(model(ids).logits, before)
    assert longctx.dca_state(model) is None
