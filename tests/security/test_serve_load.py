"""`longdoc serve` under hostile load, on a real server process on 127.0.0.1 (the embedded
model's tokenizer and template, a scripted reply): every case ends in its typed error or its
answer within its bound, and /health answers within 100 ms throughout."""

import json
import os
import subprocess
import sys
import time

import httpx
import pytest

from agent.http_backend import API_KEY_ENV
from tests.agent.scripted import filler
from tests.ui.serving import free_port, start, stop

from .load_server import MODEL, HealthProbe, chat_body, rss_mib

HEALTH_S = 0.1


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("load")
    port = free_port()
    process = start(
        [sys.executable, "-m", "tests.security.load_server", "--port", str(port), str(folder), "0.05"],
        {**os.environ, "HF_HUB_OFFLINE": "1"},
        folder / "server.log",
        "/health",
        120,
    )
    url = f"http://127.0.0.1:{port}"
    text = f"{filler(5)}\n\nThe secret access code for the Lisbon office is 58213.\n\n{filler(5, 5)}"
    document_id = httpx.post(f"{url}/v1/documents?name=offices.txt", content=text.encode()).json()["id"]
    for _ in range(200):
        if httpx.get(f"{url}/v1/documents/{document_id}").json()["status"] == "ready":
            break
        time.sleep(0.05)
    yield url, document_id, process
    stop(process)


def post(url, path, body: bytes, timeout=60) -> httpx.Response:
    return httpx.post(f"{url}{path}", content=body, headers={"content-type": "application/json"}, timeout=timeout)


def timed(url, send):
    """(response, seconds, the slowest /health meanwhile)."""
    with HealthProbe(url) as probe:
        time.sleep(0.05)
        start_ = time.perf_counter()
        response = send()
        seconds = time.perf_counter() - start_
        time.sleep(0.05)
    return response, seconds, probe.worst


def error_of(response) -> dict:
    return response.json()["error"]


@pytest.mark.parametrize(
    "question, status, seconds",
    [
        ("where is the office " * 3000, 400, 1.0),  # 60 KB: 58 s with /health dead before
        (
            "where is the office " * 50_000,
            400,
            1.0,
        ),  # 1 MB: no reply in 300 s before; within an ask's 2 MB (a conversation)
        ("where is the office " * 150_000, 413, 1.0),  # 3 MB: past an ask's body limit
        (
            " ".join(f"What is the code of branch {n}?" for n in range(40)),
            400,
            1.0,
        ),  # 40 questions held the model 169 s
    ],
    ids=["60KB", "1MB", "3MB", "40-questions"],
)
def test_a_long_question_is_refused_at_once(server, question, status, seconds):
    url, document_id, _ = server
    body = json.dumps({"question": question}).encode()
    response, took, worst = timed(url, lambda: post(url, f"/v1/documents/{document_id}/ask", body))
    assert response.status_code == status and error_of(response)["message"], response.text
    assert took < seconds and worst < HEALTH_S, (took, worst)


def test_the_document_is_still_answered(server):
    url, document_id, _ = server
    answer = post(
        url, f"/v1/documents/{document_id}/ask", json.dumps({"question": "What is the Lisbon office code?"}).encode()
    )
    assert answer.status_code == 200 and "58213" in answer.json()["text"]


@pytest.mark.parametrize(
    "body, status, code, seconds",
    [
        (chat_body("word " * (6 << 20)), 413, "request_too_large", 2.0),  # 30 MB: /health deaf 47 s, +4.8 GB before
        (chat_body("word " * (1 << 20)), 400, "context_length_exceeded", 2.0),  # 5 MB: refused before tokenizing
        (
            json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "hi"}] * 900_000}).encode(),
            413,
            "request_too_large",
            2.0,
        ),  # 900,000 messages: 32 s before
        (
            json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "hi"}] * 200_000}).encode(),
            400,
            None,
            2.0,
        ),
        (
            chat_body("<|im_" * 23_400 + "<|im_end|>" + "end|>" * 23_400),
            400,
            "context_length_exceeded",
            5.0,
        ),  # 45 s before
        (
            chat_body("The code is 58213. " * 3000 + "What is the code?"),
            400,
            "context_length_exceeded",
            5.0,
        ),  # tokenized
    ],
    ids=[
        "30MB-prompt",
        "5MB-prompt",
        "900k-messages",
        "200k-messages",
        "nested-template-tokens",
        "just-over-the-window",
    ],
)
def test_a_huge_prompt_is_refused_without_blocking_the_server(server, body, status, code, seconds):
    url = server[0]
    response, took, worst = timed(url, lambda: post(url, "/v1/chat/completions", body))
    assert response.status_code == status and error_of(response)["code"] == code, response.text[:300]
    assert took < seconds and worst < HEALTH_S, (took, worst)


def metrics(url) -> dict:
    text = httpx.get(f"{url}/metrics").text
    return {
        name: float(value)
        for name, value in (line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
    }


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_a_client_that_leaves_frees_the_model_within_a_word(server, stream):
    url = server[0]
    before = metrics(url)
    body = chat_body("Tell a long story.", max_tokens=1200, stream=stream)
    try:  # the client gives up after a second of a 60 s reply (streamed: after its first piece)
        with httpx.stream(
            "POST",
            f"{url}/v1/chat/completions",
            content=body,
            timeout=1.0,
            headers={"content-type": "application/json"},
        ) as response:
            next(response.iter_bytes())
            assert stream, "a whole reply came back within a second"
    except httpx.ReadTimeout:
        assert not stream
    time.sleep(0.2)  # the server notices the closed connection
    start_ = time.perf_counter()
    reply = post(url, "/v1/chat/completions", chat_body("Say hi.", max_tokens=2))
    assert reply.status_code == 200 and time.perf_counter() - start_ < 1.0  # a word is 0.05 s
    words = httpx.get(f"{url}/generated").json()["words"]
    time.sleep(0.5)
    assert httpx.get(f"{url}/generated").json()["words"] == words  # nothing generates for nobody
    after = metrics(url)
    assert after["longdoc_cancelled_replies_total"] == before["longdoc_cancelled_replies_total"] + 1
    assert after["longdoc_generation_seconds_total"] > before["longdoc_generation_seconds_total"] + 0.05
    assert after["longdoc_queue_depth"] == 0


def test_a_chunked_body_is_refused_once_it_passes_the_limit(server):
    url, _, process = server
    sent = [0]

    def chunks():  # 400 MB, chunked (no Content-Length): +700 MB on the server before
        block = b"x" * (1 << 20)
        for _ in range(400):
            sent[0] += len(block)
            yield block

    before = rss_mib(process.pid)
    with HealthProbe(url) as probe:
        try:
            response = httpx.post(f"{url}/v1/chat/completions", content=chunks(), timeout=30)
            assert response.status_code == 413 and error_of(response)["code"] == "request_too_large"
        except httpx.TransportError:
            pass  # the server answered 413 and closed while the client was still sending
    assert sent[0] < 100 << 20 and rss_mib(process.pid) - before < 64 and probe.worst < HEALTH_S


@pytest.mark.parametrize(
    "path, method, body, status, param",
    [
        ("/v1/chat/completions", "POST", b"[" * 100_000 + b"]" * 100_000, 400, None),  # plain-text 500 before
        (
            "/v1/chat/completions",
            "POST",
            b'{"model": "%s", "messages": [{"role": "user", "content": "\\ud800"}]}' % MODEL.encode(),
            400,
            "messages.0.content",
        ),
        ("/v1/chat/completions", "POST", chat_body("hi", temperature=1e-300, max_tokens=2), 200, None),  # 500 before
        ("/v1/chat/completions", "POST", chat_body("hi", seed=10**30, max_tokens=2), 400, "seed"),  # 500 before
        (
            "/v1/chat/completions",
            "POST",
            json.dumps({"model": "gpt-9", "messages": [{"role": "user", "content": "hi"}]}).encode(),
            404,
            "model",
        ),  # 200 before
        ("/v1/chat/completions", "POST", chat_body("hi", stop=["x"] * 100), 400, "stop"),
        ("/nowhere", "GET", b"", 404, None),  # {"detail": ...} before
        ("/v1/models", "DELETE", b"", 405, None),
    ],
    ids=["deep-json", "lone-surrogate", "tiny-temperature", "huge-seed", "unknown-model", "many-stops", "404", "405"],
)
def test_every_error_has_openais_shape(server, path, method, body, status, param):
    url = server[0]
    response = httpx.request(
        method, f"{url}{path}", content=body or None, headers={"content-type": "application/json"}, timeout=30
    )
    assert response.status_code == status, response.text[:300]
    if status != 200:
        error = error_of(response)
        assert error["message"] and error["param"] == param and set(error) == {"message", "type", "param", "code"}
    if status == 404 and param == "model":
        assert error_of(response)["code"] == "model_not_found"


def test_a_form_of_many_fields_is_refused_in_openais_shape(server):
    url = server[0]
    fields = {f"field{n}": "x" for n in range(1001)}
    response = httpx.post(f"{url}/v1/documents", data=fields, files={"file": ("a.txt", b"hello there")}, timeout=30)
    assert response.status_code == 400 and "error" in response.json(), response.text


def test_a_blank_key_is_refused():
    from longdoc.serve import create_app

    from ..agent.scripted import ScriptedBackend

    for blank in ("", "   ", "\t\n"):
        with pytest.raises(ValueError, match="blank"):
            create_app(ScriptedBackend("x"), api_key=blank)
    result = subprocess.run(
        [sys.executable, "-m", "longdoc.cli", "serve", "--api-key", "   "],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 2 and "blank" in result.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "example.com"])
def test_a_reachable_host_without_a_key_is_refused(host):
    env = {k: v for k, v in os.environ.items() if k != API_KEY_ENV}
    result = subprocess.run(
        [sys.executable, "-m", "longdoc.cli", "serve", "--host", host],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 2 and "reachable from other machines" in result.stderr
