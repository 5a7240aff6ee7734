"""How measured windows name a model: embedded models by their file, whatever alias picked them."""
from agent.windows import model_key


def test_models_are_named_by_their_file():
    assert model_key(None) == model_key("smollm2") == "SmolLM2-135M-Instruct"
    assert model_key("qwen") == model_key("qwen2.5-coder-0.5b") == "qwen2.5-coder-0.5b-instruct"
    assert model_key("/models/Llama-3.2-1B-Instruct.gguf") == "Llama-3.2-1B-Instruct"
    assert model_key("org/some-model/") == "some-model"
