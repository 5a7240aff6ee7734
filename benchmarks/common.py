"""Shared by the benchmarks: one loaded model switched between plain, transformers' YaRN and longctx DCA,
cells logged so that a long run resumes where it stopped, and writing a result table to docs/benchmarks/
with the command that made it."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import threading
import time
from pathlib import Path

import torch

import longctx
from longctx.embedded import embedded
from longctx.loading import generic_config

os.environ.setdefault("HF_HUB_OFFLINE", "1")
DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks"
METHODS = ("plain", "yarn", "dca")


DTYPES = {"auto": None, "float32": torch.float32, "bfloat16": torch.bfloat16}


def add_model_options(parser: argparse.ArgumentParser):
    parser.add_argument("--model", default="smollm2", help="an embedded model (smollm2, qwen) or a path")
    parser.add_argument(
        "--dtype",
        default="auto",
        choices=DTYPES,
        help="auto: load_model's choice (bf16 for Qwen on a CPU with native bf16)",
    )


def load(model_name: str = "smollm2", dtype: str = "auto"):
    """The plain model, with what configure needs: its rope parameters and its DCA preset."""
    model, tokenizer = longctx.load_model(model_name, long_context=None, dtype=DTYPES[dtype])
    model.base_rope = dict(model.config.rope_parameters)
    shipped = embedded(model_name)
    name = shipped.gguf if shipped else model_name
    window = model.config.max_position_embeddings
    model.dca_preset = longctx.preset_for(name, model.config) or generic_config(window)
    dtype = str(model.dtype).removeprefix("torch.")
    model.title = f"{Path(name).name.removesuffix('.gguf')}, {dtype} (trained window {window // 1024}K)"
    return model, tokenizer


def configure(model, method: str, dca_config: longctx.LongContextConfig | None = None, yarn_factor: float = 4.0):
    """Switch the loaded model to `method` in place."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {METHODS}")
    longctx.remove(model)
    window = model.config.max_position_embeddings
    rope = dict(model.base_rope)
    if method == "yarn":  # transformers' own static YaRN
        rope.update(rope_type="yarn", factor=yarn_factor, original_max_position_embeddings=window)
    model.config.rope_parameters = rope
    for parent in model.modules():  # rebuild rotary modules for the rope parameters (found by type)
        for name, child in list(parent.named_children()):
            if type(child).__name__.endswith("RotaryEmbedding"):
                setattr(parent, name, type(child)(config=model.config).to(model.device))
    if method == "dca":
        longctx.apply(model, dca_config or model.dca_preset)
    return model


class CellLog:
    """The cells of a long benchmark, one JSON line each, flushed as they finish: a rerun skips the
    cells already in the file (keyed by `key`'s fields), so hours of CPU survive an interruption."""

    def __init__(self, path: Path, key: tuple[str, ...], fresh: bool = False):
        self.path, self.key = path, key
        self.cells = [] if fresh or not path.is_file() else [json.loads(line) for line in path.open() if line.strip()]
        self._done = {self._key(cell) for cell in self.cells}
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("w" if fresh else "a")

    def _key(self, cell: dict) -> tuple:
        return tuple(cell.get(field) for field in self.key)

    def done(self, **fields) -> bool:
        return self._key(fields) in self._done

    def add(self, cell: dict):
        self.cells.append(cell)
        self._done.add(self._key(cell))
        self._file.write(json.dumps(cell) + "\n")
        self._file.flush()
        print(cell, flush=True)

    def close(self):
        self._file.close()


class PeakRSS:
    """Peak resident memory of this process above its level at entry, sampled every 5 ms (CPU runs)."""

    def __enter__(self):
        self.base = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def extra_gib(self) -> float:
        return (self.peak - self.base) / 2**30

    def _watch(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._rss())

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def write_table(name: str, title: str, header: list[str], rows: list[list], notes: str = "") -> str:
    main = sys.modules["__main__"]
    program = f"-m {main.__spec__.name}" if getattr(main, "__spec__", None) else sys.argv[0]
    lines = [
        f"# {title}",
        "",
        f"Command: `python {program} {shlex.join(sys.argv[1:])}`",
        "",
        f"Machine: {os.cpu_count()} CPU cores, torch {torch.__version__}, "
        f"{'CUDA ' + torch.cuda.get_device_name() if torch.cuda.is_available() else 'no GPU'}; "
        f"{time.strftime('%Y-%m-%d')}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    text = "\n".join(lines) + ("\n\n" + notes.strip() if notes else "") + "\n"
    DOCS.mkdir(parents=True, exist_ok=True)
    (DOCS / f"{name}.md").write_text(text)
    print(text)
    return text
