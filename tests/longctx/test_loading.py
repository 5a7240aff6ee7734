"""load_model: local folders, GGUF files, presets, and missing models."""

import pytest
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
