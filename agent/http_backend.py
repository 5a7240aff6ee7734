"""A backend for any OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, LM Studio...):
`POST {base_url}/chat/completions` with `stream: true`, read as server-sent events.

One monotonic deadline bounds a whole reply: connecting, the first byte (a long prefill sends
nothing for minutes), every read, keep-alive comments, retries and their Retry-After waits, and
the body of an error response. The request runs in a reader thread that hands bytes over a
bounded queue, so the caller waits at most until the deadline whatever the server does (a socket
read cannot be interrupted; the thread ends on its own read timeout, which is the deadline too).
Lines are bounded in length, every event is checked, and a reply that ends without `[DONE]` or
a `finish_reason` is an `IncompleteReplyError` that carries the text streamed so far.
Connection failures, 429 and 5xx are retried with backoff, but only before any token has
streamed (a retry then would repeat text the reader already has).
"""

from __future__ import annotations

import json
import math
import queue
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Iterator

from .backends import RemoteTokens
from .errors import BackendError, IncompleteReplyError

RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_RETRY_WAIT_S = 60.0  # a server asking for a longer wait is down: say so now
ERROR_BODY_BYTES = 64 << 10  # of an error response: enough for its message
ERROR_BODY_WAIT_S = 10.0  # an error body that never ends is read this long, at most
CHARS_PER_TOKEN = 64  # a reply far longer than max_tokens allows: the server ignores it


class DeadlineError(BackendError):
    """The server did not finish within the backend's deadline."""


def _cut(message: str, streamed: list[str]) -> BackendError:
    """The error for a reply that stopped: incomplete, with its text, once some has streamed."""
    return IncompleteReplyError(message, "".join(streamed)) if streamed else BackendError(message)


class OpenAIBackend(RemoteTokens):
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        window: int = 8192,
        tokenizer=None,
        connect_timeout: float = 10.0,
        read_timeout: float = 600.0,
        deadline: float = 1800.0,
        retries: int = 2,
        max_line_bytes: int = 1 << 20,
    ):
        import httpx

        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.name = model, model
        self.window, self.window_source = window, "given"
        self.tokenizer = tokenizer
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.deadline, self.retries, self.max_line_bytes = deadline, retries, max_line_bytes
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(headers=headers)

    def stream(self, messages: list[dict], max_new_tokens: int) -> Iterator[str]:
        import httpx

        from .prompts import without_control_tokens

        # content is text: no control token of the server's chat template rides in it
        messages = [{**m, "content": without_control_tokens(m["content"])} for m in messages]
        body = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_new_tokens,
            "temperature": 0,
            "stream": True,
        }
        give_up = time.monotonic() + self.deadline
        streamed: list[str] = []
        for attempt in range(self.retries + 1):
            exchange = _Exchange(self.client, self.url, body, give_up, self.connect_timeout, self.read_timeout)
            try:
                status, headers = exchange.head(self)
                if status in RETRY_STATUS and attempt < self.retries:
                    self._wait(_retry_after(headers, attempt), give_up, f"answered {status} and asks to retry")
                    continue
                if status != 200:
                    raise BackendError(f"{self.url} answered {status}: {_error_text(exchange.body(self, give_up))}")
                if "event-stream" not in headers.get("content-type", "text/event-stream"):
                    raise BackendError(
                        f"{self.url} answered {headers.get('content-type')}, not server-sent events: "
                        "does it stream (stream=true)?"
                    )
                yield from self._events(exchange, streamed, max_new_tokens)
                return
            except DeadlineError as error:
                if streamed:
                    raise _cut(str(error), streamed) from error
                raise
            except httpx.TimeoutException as error:
                waited = min(self.read_timeout, self.deadline)
                raise _cut(f"{self.url} sent nothing for {waited:.0f} s ({type(error).__name__})", streamed) from error
            except httpx.TransportError as error:
                if streamed:
                    raise _cut(f"{self.url} broke off the reply: {error}", streamed) from error
                if attempt == self.retries:
                    raise BackendError(f"cannot reach {self.url}: {error}") from error
                self._wait(0.5 * 2**attempt, give_up, "could not be reached")
            finally:
                exchange.close()

    def _events(self, exchange: "_Exchange", streamed: list[str], max_new_tokens: int) -> Iterator[str]:
        """The reply's text pieces (kept in `streamed` too); ends at [DONE], or at the end of the
        stream after a finish_reason."""
        finished, most = False, max(4096, CHARS_PER_TOKEN * max_new_tokens)
        for data in self._data(exchange):
            if data == "[DONE]":
                return
            for text, finish in _deltas(data, self.url):
                finished = finished or finish
                if text:
                    streamed.append(text)
                    if sum(map(len, streamed)) > most:
                        raise _cut(
                            f"{self.url} sent more than {max_new_tokens} tokens allow: it ignores max_tokens", streamed
                        )
                    yield text
        if not finished:
            raise _cut(f"{self.url} ended the reply without [DONE] or a finish_reason: it is incomplete", streamed)

    def _data(self, exchange: "_Exchange") -> Iterator[str]:
        lines = _Lines(self.max_line_bytes, self.url)
        for chunk in exchange.chunks(self):
            yield from lines.feed(chunk)
        yield from lines.close()

    def _wait(self, seconds: float, give_up: float, what: str) -> None:
        """Sleep before a retry, unless that would pass the deadline or MAX_RETRY_WAIT_S."""
        if seconds > MAX_RETRY_WAIT_S or time.monotonic() + seconds > give_up:
            raise DeadlineError(
                f"{self.url} {what} in {seconds:.0f} s: past the {self.deadline:.0f} s deadline "
                f"or the {MAX_RETRY_WAIT_S:.0f} s a retry may wait"
            )
        time.sleep(seconds)

    def close(self) -> None:
        self.client.close()


class _Exchange:
    """One POST in a reader thread: ("head", status, headers), then ("chunk", bytes)..., then
    ("end",) or ("error", exception) on a bounded queue. The caller's waits end at the deadline."""

    def __init__(self, client, url: str, body: dict, give_up: float, connect_timeout: float, read_timeout: float):
        self.queue: queue.Queue = queue.Queue(maxsize=64)
        self.cancelled = threading.Event()
        self.give_up = give_up
        args = (client, url, body, connect_timeout, read_timeout)
        threading.Thread(target=self._run, args=args, daemon=True, name="longdoc-http").start()

    def _run(self, client, url, body, connect_timeout, read_timeout) -> None:
        import httpx

        try:
            left = max(self.give_up - time.monotonic(), 0.001)  # no read of the thread outlives the deadline
            timeout = httpx.Timeout(min(read_timeout, left), connect=min(connect_timeout, left))
            with client.stream("POST", url, json=body, timeout=timeout) as response:
                self._put(("head", response.status_code, response.headers))
                for chunk in response.iter_bytes():
                    if self.cancelled.is_set():
                        return
                    self._put(("chunk", chunk))
            self._put(("end",))
        except BaseException as error:  # handed to the caller
            self._put(("error", error))

    def _put(self, item) -> None:
        while not self.cancelled.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _get(self, backend: OpenAIBackend, until: float | None = None):
        left = min(self.give_up, until or self.give_up) - time.monotonic()
        try:
            if left <= 0:
                raise queue.Empty
            item = self.queue.get(timeout=left)
        except queue.Empty:
            if until is not None and time.monotonic() < self.give_up:
                return ("end",)  # the caller's shorter wait is over
            raise DeadlineError(f"{backend.url} did not finish within {backend.deadline:.0f} s") from None
        if item[0] == "error":
            raise item[1]
        return item

    def head(self, backend: OpenAIBackend) -> tuple[int, dict]:
        _, status, headers = self._get(backend)
        return status, headers

    def chunks(self, backend: OpenAIBackend) -> Iterator[bytes]:
        while (item := self._get(backend))[0] == "chunk":
            yield item[1]

    def body(self, backend: OpenAIBackend, give_up: float) -> bytes:
        """An error response's body: at most ERROR_BODY_BYTES, waited for ERROR_BODY_WAIT_S at most."""
        data, until = b"", time.monotonic() + ERROR_BODY_WAIT_S
        while len(data) < ERROR_BODY_BYTES and (item := self._get(backend, until))[0] == "chunk":
            data += item[1]
        return data[:ERROR_BODY_BYTES]

    def close(self) -> None:
        self.cancelled.set()


class _Lines:
    """The `data` of server-sent events from bytes: lines bounded in length, data lines of one
    event joined, comments (": ping") and other fields skipped."""

    def __init__(self, max_line_bytes: int, url: str):
        self.buffer = b""
        self.data: list[str] = []
        self.max_line_bytes, self.url = max_line_bytes, url

    def feed(self, chunk: bytes) -> list[str]:
        self.buffer += chunk
        lines = self.buffer.split(b"\n")
        self.buffer = lines.pop()
        if len(self.buffer) > self.max_line_bytes:
            raise BackendError(f"{self.url} sent a line of over {self.max_line_bytes:,} bytes: not an event stream")
        return [event for line in lines if (event := self._line(line.removesuffix(b"\r"))) is not None]

    def close(self) -> list[str]:
        events = [event for event in (self._line(self.buffer), self._line(b"")) if event is not None]
        self.buffer = b""
        return events

    def _line(self, line: bytes) -> str | None:
        if not line:  # a blank line ends an event
            data, self.data = self.data, []
            return "\n".join(data) if data else None
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise BackendError(f"{self.url} sent an event that is not UTF-8: {line[:100]!r}") from None
        field, _, value = text.partition(":")
        if field == "data":
            self.data.append(value[1:] if value.startswith(" ") else value)
        return None


def _deltas(data: str, url: str) -> list[tuple[str, bool]]:
    """(text, finished) of each choice of one event; any shape but OpenAI's is the server's fault."""
    try:
        event = json.loads(data)
    except ValueError:
        raise BackendError(f"{url} sent an unreadable event: {data[:200]!r}") from None
    if not isinstance(event, dict):
        raise BackendError(f"{url} sent an event that is not a JSON object: {data[:200]!r}")
    if "error" in event:
        error = event["error"]
        raise BackendError(
            f"{url} reported an error: {error.get('message', error) if isinstance(error, dict) else error}"
        )
    choices = event.get("choices") or []
    if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
        raise BackendError(f"{url} sent choices that are not a list of objects: {data[:200]!r}")
    out = []
    for choice in choices:
        delta = choice.get("delta") or {}
        text = delta.get("content") if isinstance(delta, dict) else None
        finish = choice.get("finish_reason")
        if (
            not isinstance(delta, dict)
            or not isinstance(text, (str, type(None)))
            or not isinstance(finish, (str, type(None)))
        ):
            raise BackendError(f"{url} sent a choice of the wrong shape: {data[:200]!r}")
        out.append((text or "", finish is not None))
    return out


def _retry_after(headers, attempt: int) -> float:
    """Seconds the server asks us to wait (a number or an HTTP date); our backoff when it says
    nothing usable (negative, not a number)."""
    value = (headers.get("retry-after") or "").strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            seconds = math.nan
    if math.isnan(seconds) or seconds < 0:
        return 0.5 * 2**attempt
    return seconds


def _error_text(body: bytes) -> str:
    try:
        error = json.loads(body).get("error")
        return str(error.get("message", error) if isinstance(error, dict) else error)[:300]
    except (ValueError, AttributeError):
        return body[:300].decode("utf-8", "replace")


API_KEY_ENV = "LONGDOC_API_KEY"


def served_backend(server: str, api_key: str | None = None) -> OpenAIBackend:
    """An OpenAIBackend for the model a running `longdoc serve` (or any OpenAI-compatible server)
    offers: its first model, with the window it reports (`max_model_len`; else 8,192)."""
    import httpx

    base = server.rstrip("/").removesuffix("/v1") + "/v1"
    try:
        response = httpx.get(
            f"{base}/models", headers={"Authorization": f"Bearer {api_key}"} if api_key else {}, timeout=10
        )
        response.raise_for_status()
        model = response.json()["data"][0]
    except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as error:
        raise BackendError(f"no model from {base}/models: {error}") from None
    return OpenAIBackend(base, model["id"], api_key=api_key, window=int(model.get("max_model_len") or 8192))
