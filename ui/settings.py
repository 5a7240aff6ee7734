"""What the operator of `longdoc ui` allowed: folders of this machine a visitor may read from
(none by default: uploads only), the models a visitor may choose among (the embedded one by
default), the cache folder. `longdoc ui` passes them to the app's process in the environment;
`streamlit run ui/app.py` alone gets the safe defaults."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from retrieval.cache import DEFAULT_CACHE_DIR

SETTINGS_ENV = "LONGDOC_UI_SETTINGS"
TOKEN_ENV = "LONGDOC_AUTH_TOKEN"
EMBEDDED = ""  # the model name of the embedded SmolLM2


@dataclass(frozen=True)
class Settings:
    allowed_folders: tuple[Path, ...] = ()  # resolved, symlinks followed
    models: tuple[str, ...] = (EMBEDDED,)
    cache_dir: Path = DEFAULT_CACHE_DIR
    server: str = ""  # a running `longdoc serve` that answers instead of a model loaded here

    def to_env(self) -> str:
        return json.dumps(
            {
                "allowed_folders": [str(f) for f in self.allowed_folders],
                "models": list(self.models),
                "cache_dir": str(self.cache_dir),
                "server": self.server,
            }
        )


def current() -> Settings:
    """The settings `longdoc ui` gave this process (the defaults when none)."""
    raw = os.environ.get(SETTINGS_ENV)
    if not raw:
        return Settings()
    given = json.loads(raw)
    return Settings(
        tuple(Path(os.path.realpath(f)) for f in given["allowed_folders"]),
        tuple(str(m) for m in given["models"]) or (EMBEDDED,),
        Path(given["cache_dir"]),
        str(given.get("server") or ""),
    )


def model_label(model: str) -> str:
    return model or "embedded SmolLM2-135M-Instruct"
