"""The real embedded SmolLM2-135M-Instruct (GGUF, offline) under longctx."""

import random

import pytest
import torch

import longctx
from longctx.reading import answer
from niah.haystack import Haystack
from niah.tasks import access_code
from retrieval.tokens import token_counter
from tests.longctx.test_dca import CHUNK, LOCAL, _reference_model


@pytest.fixture(scope="module")
def smollm2():
    return longctx.load_model(None, long_context=None)


def test_loads_offline_with_preset():
    assert longctx.embedded_model_path().name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert longctx.preset_for(longctx.embedded_model_path().name) is longctx.PRESETS["smollm2-135m-instruct"]


def test_real_weights_match_naive_reference_across_chunks(smollm2):
    model, tokenizer = smollm2
    ids = tokenizer("def f(x):\n    return x * 2\n" * 20, return_tensors="pt")["input_ids"][:, :200]
    ref = _reference_model(model, 10**9)
    try:
        longctx.apply(model, longctx.LongContextConfig(CHUNK, LOCAL, scale_attention=False))
        with torch.no_grad():
            torch.testing.assert_close(model(ids).logits, ref(ids).logits, atol=2e-3, rtol=1e-3)
            short = ids[:, : CHUNK - LOCAL]  # fits one period: exactly the plain model
            dca_short = model(short).logits
            torch.testing.assert_close(dca_short, longctx.remove(model)(short).logits, atol=1e-4, rtol=1e-4)
    finally:
        longctx.remove(model)


@pytest.mark.slow
def test_needle_beyond_trained_window(smollm2):
    """12K tokens, 1.5x the window: plain attention loses the needle, the SmolLM2 preset finds it.

    The needle sits at 90% depth, in the question's own DCA chunk; mid-document needles past the
    window are where this 135M model still fails (docs/benchmarks/needle.md).
    """
    model, tokenizer = smollm2
    trial = access_code(random.Random(7))
    [value], question = trial.expected, trial.question
    document = Haystack.shipped(token_counter(tokenizer), 12000).place(12000, list(trial.needles), [90.0]).text
    try:
        longctx.apply(model, longctx.PRESETS["smollm2-135m-instruct"])
        assert value in answer(model, tokenizer, document, question, max_new_tokens=24)
    finally:
        longctx.remove(model)
    assert value not in answer(model, tokenizer, document, question, max_new_tokens=24)


@pytest.mark.slow
def test_the_dequantized_model_is_cached_and_a_damaged_copy_rebuilt(smollm2, tmp_path, caplog):
    model, tokenizer = smollm2
    ids = tokenizer("The cached copy reads the same.", return_tensors="pt")["input_ids"]
    cached, _ = longctx.load_model(None, long_context=None, cache_dir=tmp_path)
    [folder] = (tmp_path / "models").iterdir()
    assert (folder / "model.safetensors").is_file() and not list((tmp_path / "models").glob(".*"))  # no leftovers
    with torch.no_grad():
        torch.testing.assert_close(cached(ids).logits, model(ids).logits)
    (folder / "model.safetensors").write_bytes(b"not safetensors")  # damaged: converted again from the GGUF
    again, _ = longctx.load_model(None, long_context=None, cache_dir=tmp_path)
    assert "converting again" in caplog.text
    with torch.no_grad():
        torch.testing.assert_close(again(ids).logits, model(ids).logits)
