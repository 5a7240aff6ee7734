"""`longdoc ui`: start the Streamlit app on this machine."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")


def command(port: int, address: str, max_upload_mb: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
            "--server.address", address, "--server.maxUploadSize", str(max_upload_mb),
            "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"]


def run(args) -> int:
    if importlib.util.find_spec("streamlit") is None:
        print('longdoc: the app needs Streamlit: pip install -e ".[ui]"', file=sys.stderr)
        return 2
    return subprocess.call(command(args.port, args.address, args.max_upload_mb))


def add_parser(sub) -> None:
    p = sub.add_parser("ui", help="the web app: ask documents, see needle-test results (Streamlit)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="127.0.0.1", help="127.0.0.1 (default) serves this machine only")
    p.add_argument("--max-upload-mb", type=int, default=512, help="largest upload (the loader's own limit is 512 MB)")
    p.set_defaults(run=run)
