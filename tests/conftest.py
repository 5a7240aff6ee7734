import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may wait on an unreachable hub


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def smollm_tokenizer():
    """The embedded model's own tokenizer (from its GGUF file)."""
    from longctx.loading import embedded_tokenizer

    return embedded_tokenizer()


@pytest.fixture(scope="session")
def qwen2_tokenizer():
    """Qwen2's tokenizer, made from the official Qwen BPE vocabulary the qwen-agent wheel ships
    (the same 151,643 ranks and ChatML special tokens as Qwen2) with Qwen2-Instruct's template."""
    import importlib.util

    from transformers import PreTrainedTokenizerFast
    from transformers.convert_slow_tokenizer import TikTokenConverter

    spec = importlib.util.find_spec("qwen_agent")
    if spec is None:
        pytest.skip("needs the qwen-agent wheel (pip install -e '.[dev]') for qwen.tiktoken")
    vocabulary = os.path.join(next(iter(spec.submodule_search_locations)), "utils", "qwen.tiktoken")
    converted = TikTokenConverter(
        vocab_file=vocabulary, pattern=QWEN2_PRETOKENIZE, extra_special_tokens=QWEN2_SPECIAL
    ).converted()
    return PreTrainedTokenizerFast(
        tokenizer_object=converted, eos_token="<|im_end|>", pad_token="<|endoftext|>", chat_template=QWEN2_CHAT_TEMPLATE
    )


QWEN2_SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
QWEN2_PRETOKENIZE = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
QWEN2_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
