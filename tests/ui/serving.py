"""Real servers for browser and HTTP tests (the app, `longdoc serve`): started as a process on a
free port, ready once its health check answers."""

import socket
import subprocess
import time

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv: list[str], env: dict, log, health: str = "/_stcore/health", seconds: float = 60) -> subprocess.Popen:
    """`argv` (the server, on `port`) started with output to the file `log`; fails the test if it
    exits or its `health` path does not answer within `seconds`."""
    port = argv[argv.index("--port") + 1] if "--port" in argv else argv[argv.index("--server.port") + 1]
    with open(log, "wb") as out:
        server = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    for _ in range(int(seconds * 2)):
        try:
            if httpx.get(f"http://127.0.0.1:{port}{health}", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            pytest.fail(f"the app exited: {log.read_text()}")
        time.sleep(0.5)
    server.terminate()
    pytest.fail(f"the app did not answer its health check: {log.read_text()}")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)
