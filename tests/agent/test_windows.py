"""How measured windows name a model: embedded models by their file, whatever alias picked them."""

from agent.windows import model_key


def test_models_are_named_by_their_file():
    assert model_key(None) == model_key("smollm2") == "SmolLM2-135M-Instruct"
    assert model_key("qwen") == model_key("qwen2.5-coder-0.5b") == "qwen2.5-coder-0.5b-instruct"
    assert model_key("/models/Llama-3.2-1B-Instruct.gguf") == "Llama-3.2-1B-Instruct"
    assert model_key("org/some-model/") == "some-model"


def test_a_cpu_reads_a_prompt_sized_to_the_model_in_about_one_answers_time():
    from agent.windows import CPU_MIN_PROMPT, cpu_prompt_tokens

    assert 3_500 <= cpu_prompt_tokens(630_000_000) <= 4_500  # the embedded Qwen: about 4K tokens
    assert cpu_prompt_tokens(135_000_000) > 8_192  # SmolLM2: its own 4K measured window is the limit
    assert cpu_prompt_tokens(7_000_000_000) == CPU_MIN_PROMPT  # a 7B model on a CPU: the least room that works
    assert cpu_prompt_tokens(0) > 0


def test_a_local_model_on_a_cpu_gets_the_window_it_reads_in_time(monkeypatch):
    import longctx
    from agent import backends
    from tests.longctx.tiny_models import tiny_model

    model = tiny_model("qwen2")
    monkeypatch.setattr(backends, "cpu_prompt_tokens", lambda parameters: 1_500)
    backend = backends.LocalBackend(model, longctx.loading.embedded_tokenizer())
    assert backend.window == 1_500 and "what a CPU reads" in backend.window_source
    assert backends.LocalBackend(model, None, window=3_000).window == 3_000  # a given window is the user's
