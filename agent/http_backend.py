"""A backend for any OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, LM Studio...):
`POST {base_url}/chat/completions` with `stream: true`, read as server-sent events.

Long prompts take the server a while before the first token, so the read timeout is long (not
httpx's 5 s) and an overall `deadline` bounds the whole reply. Connection failures, 429 and 5xx
are retried with backoff, but only before any token has streamed (a retry then would repeat
text the reader already has).
"""
from __future__ import annotations

import json
import time
from typing import Iterator

from .backends import RemoteTokens
from .errors import BackendError

RETRY_STATUS = {429, 500, 502, 503, 504}


class OpenAIBackend(RemoteTokens):
    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, window: int = 8192,
                 tokenizer=None, connect_timeout: float = 10.0, read_timeout: float = 600.0,
                 deadline: float = 1800.0, retries: int = 2):
        import httpx

        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.name = model, model
        self.window, self.window_source = window, "given"
        self.tokenizer = tokenizer
        self.deadline, self.retries = deadline, retries
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(headers=headers, timeout=httpx.Timeout(read_timeout, connect=connect_timeout))

    def stream(self, messages: list[dict], max_new_tokens: int) -> Iterator[str]:
        import httpx

        body = {"model": self.model, "messages": messages, "max_tokens": max_new_tokens, "temperature": 0,
                "stream": True}
        give_up = time.monotonic() + self.deadline
        for attempt in range(self.retries + 1):
            streamed = False
            try:
                with self.client.stream("POST", self.url, json=body) as response:
                    if response.status_code in RETRY_STATUS and attempt < self.retries:
                        time.sleep(_backoff(response, attempt))
                        continue
                    if response.status_code != 200:
                        raise BackendError(f"{self.url} answered {response.status_code}: {_error_text(response)}")
                    for piece in _events(response.iter_lines()):
                        if time.monotonic() > give_up:
                            raise BackendError(f"{self.url} did not finish within {self.deadline:.0f} s")
                        streamed = True
                        yield piece
                    return
            except httpx.TimeoutException as error:
                raise BackendError(f"{self.url} sent nothing for {self.client.timeout.read:.0f} s ({type(error).__name__})") from error
            except httpx.TransportError as error:
                if streamed or attempt == self.retries:
                    raise BackendError(f"cannot reach {self.url}: {error}") from error
                time.sleep(0.5 * 2**attempt)

    def close(self) -> None:
        self.client.close()


def _events(lines) -> Iterator[str]:
    """Text deltas of an SSE stream: `data: {...}` lines until `data: [DONE]`; comments and
    blank lines skipped; an error object raises."""
    for line in lines:
        if not line.startswith("data:"):
            continue  # blank separators, ": ping" keep-alives, "event:" names
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            event = json.loads(data)
        except ValueError as error:
            raise BackendError(f"the server sent an unreadable event: {data[:200]!r}") from error
        if "error" in event:
            raise BackendError(f"the server reported an error: {event['error']}")
        for choice in event.get("choices") or []:
            text = (choice.get("delta") or {}).get("content")
            if text:
                yield text


def _backoff(response, attempt: int) -> float:
    try:
        return min(float(response.headers.get("retry-after", "")), 30.0)
    except ValueError:
        return 0.5 * 2**attempt


def _error_text(response) -> str:
    response.read()
    try:
        error = response.json().get("error")
        return str(error.get("message", error) if isinstance(error, dict) else error)
    except (ValueError, AttributeError):
        return response.text[:300]
