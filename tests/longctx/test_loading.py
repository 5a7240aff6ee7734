"""load_model: local folders, GGUF files, presets, and missing models."""

import pytest
import torch
from transformers import AutoTokenizer

import longctx
from tests.longctx.tiny_models import tiny_model


def test_missing_gguf_file(tmp_path):
    with pytest.raises(longctx.ModelNotFoundError, match="no GGUF file"):
        longctx.load_model(str(tmp_path / "absent.gguf"))


def test_missing_folder(tmp_path):
    with pytest.raises(longctx.ModelNotFoundError, match="cannot load model"):
        longctx.load_model(str(tmp_path / "absent-folder"))


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-llama")
    tiny_model("llama").save_pretrained(folder)
    path = longctx.embedded_model_path()
    AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name).save_pretrained(folder)
    return folder


def test_local_folder_gets_generic_config(tiny_folder):
    model, tokenizer = longctx.load_model(str(tiny_folder))
    cfg = longctx.dca_state(model).config
    assert (cfg.chunk_size, cfg.local_size, cfg.max_length) == (64, 8, 256)  # window 64 -> generic preset
    assert tokenizer("hello")["input_ids"]


def test_explicit_config_and_plain(tiny_folder):
    model, _ = longctx.load_model(str(tiny_folder), long_context=longctx.LongContextConfig(32, 4))
    assert longctx.dca_state(model).config.chunk_len == 28
    plain, _ = longctx.load_model(str(tiny_folder), long_context=None)
    assert longctx.dca_state(plain) is None and plain.config._attn_implementation == "sdpa"


def test_bf16_on_cpu_only_where_the_cpu_has_it_and_for_a_model_measured_in_it(tmp_path, monkeypatch):
    from longctx import loading
    from longctx.embedded import QWEN, SMOLLM2

    native, emulated = tmp_path / "native", tmp_path / "emulated"
    native.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_bf16\n")
    emulated.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512bw\n")
    assert loading.cpu_has_bf16(str(native)) and not loading.cpu_has_bf16(str(emulated))
    assert not loading.cpu_has_bf16(str(tmp_path / "absent"))  # not Linux: fp32

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    monkeypatch.setattr(loading, "cpu_has_bf16", lambda: True)
    assert loading.default_dtype(cpu, QWEN) == torch.bfloat16
    assert loading.default_dtype(cpu, SMOLLM2) == torch.float32  # its extractive picks are measured in fp32
    assert loading.default_dtype(cpu, None) == torch.float32  # a user's model: fp32 unless asked
    assert loading.default_dtype(cuda, None) == torch.bfloat16
    monkeypatch.setattr(loading, "cpu_has_bf16", lambda: False)
    assert loading.default_dtype(cpu, QWEN) == torch.float32
