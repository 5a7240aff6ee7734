"""Prompt KV caches reused across generations: a prompt that begins with an earlier one reads only
its tail, and the reply equals a cold run's (tokens, and logits up to float rounding), with
longctx's DCA across chunk boundaries too; bounded by bytes, least recently used out."""

import pytest
import torch

import longctx
from agent.prefix_cache import MIN_REUSE, PrefixCache, cache_bytes
from tests.longctx.test_dca import CHUNK, KINDS, LOCAL
from tests.longctx.tiny_models import tiny_model


def generate(model, ids, cache=None):
    with torch.no_grad():
        return model.generate(
            ids,
            max_new_tokens=12,
            do_sample=False,
            output_logits=True,
            return_dict_in_generate=True,
            pad_token_id=0,
            past_key_values=cache,
        )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dca", [False, True], ids=["plain", "dca"])
def test_a_reused_prefix_gives_the_cold_reply(kind, dca):
    model = tiny_model(kind)
    if dca:  # the document runs over several DCA chunks (period 48)
        longctx.apply(model, longctx.LongContextConfig(CHUNK, LOCAL, original_max_position_embeddings=8))
    document = torch.randint(1, 128, (1, 150))
    first, second = (torch.cat([document, torch.randint(1, 128, (1, 9))], dim=1) for _ in range(2))
    cache = PrefixCache(max_bytes=1 << 30)
    cache.store(first[0], generate(model, first, longctx.new_cache(model)).past_key_values)  # as LocalBackend does
    reused, length = cache.lookup(second[0])
    assert length >= 150 and reused.get_seq_length() == length
    warm, cold = generate(model, second, reused), generate(model, second)
    assert torch.equal(warm.sequences, cold.sequences)
    for a, b in zip(warm.logits, cold.logits):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_lookup_finds_the_longest_prefix_and_leaves_a_token_to_read():
    model = tiny_model("llama")
    ids = torch.randint(1, 128, (1, 100))
    cache = PrefixCache(max_bytes=1 << 30)
    cache.store(ids[0, :60], generate(model, ids[:, :60]).past_key_values)
    cache.store(ids[0, :90], generate(model, ids[:, :90]).past_key_values)  # holds the first: replaces it
    assert len(cache.entries) == 1
    assert cache.lookup(ids[0])[1] == 90
    assert cache.lookup(ids[0, :90])[1] == 89  # the whole prompt cached: its last token is read again
    other = torch.randint(1, 128, (100,))
    assert cache.lookup(other) == (None, 0) and cache.lookup(ids[0, : MIN_REUSE - 1]) == (None, 0)


def test_the_cache_is_bounded_least_recently_used_out():
    model = tiny_model("llama")
    prompts = [torch.randint(1, 128, (1, 80)) for _ in range(3)]
    one = cache_bytes(generate(model, prompts[0]).past_key_values) * 80 // 92  # one prompt's K/V
    cache = PrefixCache(max_bytes=2 * one + one // 2)
    for p in prompts[:2]:
        cache.store(p[0], generate(model, p).past_key_values)
    cache.lookup(torch.cat([prompts[0][0], torch.tensor([5])]))  # the first is used again: the second is older
    cache.store(prompts[2][0], generate(model, prompts[2]).past_key_values)
    assert cache.bytes <= cache.max_bytes and len(cache.entries) == 2
    assert cache.lookup(torch.cat([prompts[1][0], torch.tensor([5])])) == (None, 0)
    assert cache.lookup(torch.cat([prompts[0][0], torch.tensor([5])]))[1] == 80


@pytest.mark.slow
def test_the_embedded_model_answers_a_second_question_from_the_cache_as_cold():
    from agent import LocalBackend
    from retrieval.cache import DEFAULT_CACHE_DIR

    model, tokenizer = longctx.load_model(None, cache_dir=DEFAULT_CACHE_DIR)  # de-quantized once per machine
    document = "The secret access code for the Lisbon office is 58213. " + "The archive lists grain and wool. " * 60
    warm = LocalBackend(model, tokenizer, kv_cache_bytes=1 << 30)
    cold = LocalBackend(model, tokenizer)
    ask = lambda backend, q: backend.complete([{"role": "user", "content": f"{document}\n\nQuestion: {q}"}], 8)  # noqa: E731
    ask(warm, "What does the archive list?")
    second = ask(warm, "What is the secret access code for the Lisbon office?")
    assert warm.cached_tokens > 400 and warm.prefix_cache.hits == 1
    assert second == ask(cold, "What is the secret access code for the Lisbon office?")


@pytest.mark.parametrize("dca", [False, True], ids=["plain", "dca"])
def test_a_prefill_read_in_chunks_gives_the_one_pass_reply(dca, monkeypatch):
    import threading

    from agent import backends

    model = tiny_model("qwen2")
    if dca:
        longctx.apply(model, longctx.LongContextConfig(CHUNK, LOCAL, original_max_position_embeddings=8))
    ids = torch.randint(1, 128, (1, 170))
    monkeypatch.setattr(backends, "PREFILL_CHUNK", 37)  # chunks that straddle DCA's chunk boundaries
    cache = longctx.new_cache(model)
    with torch.no_grad():
        assert backends.prefill(model, ids, cache, 0, threading.Event())
    assert cache.get_seq_length() == 169
    chunked, whole = generate(model, ids, cache), generate(model, ids)
    assert torch.equal(chunked.sequences, whole.sequences)
    for a, b in zip(chunked.logits, whole.logits):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_a_cancelled_prefill_stops_between_chunks(monkeypatch):
    import threading

    from agent import backends

    model, cancel, calls = tiny_model("llama"), threading.Event(), []
    monkeypatch.setattr(backends, "PREFILL_CHUNK", 20)
    forward = model.forward

    def counted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            cancel.set()  # the client leaves while the second chunk is read
        return forward(*args, **kwargs)

    monkeypatch.setattr(model, "forward", counted)
    with torch.no_grad():
        assert not backends.prefill(model, torch.randint(1, 128, (1, 200)), longctx.new_cache(model), 0, cancel)
    assert len(calls) == 2  # not the ten chunks of the prompt
