"""The in-place KV cache: generation through it equals transformers' own DynamicCache (tokens and
logits, with DCA across chunk boundaries too); crop, copy and growth behave like a DynamicLayer."""

import copy

import pytest
import torch

import longctx
from longctx.cache import MIN_SPARE, GrowingLayer
from tests.longctx.test_dca import CHUNK, KINDS, LOCAL
from tests.longctx.tiny_models import tiny_model


def generate(model, ids, cache=None, new=20):
    with torch.no_grad():
        return model.generate(
            ids,
            max_new_tokens=new,
            do_sample=False,
            output_logits=True,
            return_dict_in_generate=True,
            pad_token_id=0,
            past_key_values=cache,
        )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dca", [False, True], ids=["plain", "dca"])
def test_generation_equals_transformers_cache(kind, dca):
    model = tiny_model(kind)
    if dca:
        longctx.apply(model, longctx.LongContextConfig(CHUNK, LOCAL, original_max_position_embeddings=8))
    ids = torch.randint(1, 128, (1, 130))
    ours, theirs = generate(model, ids, longctx.new_cache(model)), generate(model, ids)
    assert all(isinstance(layer, GrowingLayer) for layer in ours.past_key_values.layers)
    assert torch.equal(ours.sequences, theirs.sequences)
    for a, b in zip(ours.logits, theirs.logits):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-6)
    for mine, reference in zip(ours.past_key_values.layers, theirs.past_key_values.layers):
        assert torch.equal(mine.keys, reference.keys) and torch.equal(mine.values, reference.values)


def test_appends_in_place_with_bounded_spare_room():
    layer = GrowingLayer()
    k = torch.randn(1, 2, 1000, 8)
    layer.update(k, -k)
    room = layer._keys_buffer.shape[-2]
    assert 1000 < room <= 1000 + max(MIN_SPARE, 1000 // 4)
    storage = layer._keys_buffer.data_ptr()
    for i in range(room - 1000):  # decoded tokens fill the spare room without a copy
        step = torch.full((1, 2, 1, 8), float(i))
        keys, values = layer.update(step, -step)
    assert layer._keys_buffer.data_ptr() == storage and keys.shape[-2] == room
    torch.testing.assert_close(keys[..., :1000, :], k)
    torch.testing.assert_close(values[..., -1, :], torch.full((1, 2, 8), -float(room - 1001)))
    layer.update(step, -step)  # full: grows, keeping what it held
    assert layer.get_seq_length() == room + 1 and torch.equal(layer.keys[..., :1000, :], k)


def test_crop_and_copy_leave_the_original_untouched():
    layer = GrowingLayer()
    k = torch.randn(1, 2, 50, 8)
    layer.update(k, k)
    clone = copy.deepcopy(layer)
    clone.crop(-20)
    clone.update(torch.zeros(1, 2, 5, 8), torch.zeros(1, 2, 5, 8))
    assert clone.get_seq_length() == 35 and torch.equal(clone.keys[..., :30, :], k[..., :30, :])
    assert layer.get_seq_length() == 50 and torch.equal(layer.keys, k)
