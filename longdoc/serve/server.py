"""The model behind the routes: one generation at a time, a bounded queue in front (each request's
place in it held by an `Admission`), and the two ways a place is given back early: a client that
leaves while it waits, and a streamed reply that ends however it ends."""

from __future__ import annotations

import asyncio

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from .protocol import APIError

CLIENT_GONE = 499  # nginx's "client closed request": counted, never read
RETRY_AFTER_S = 5


class Admission:
    """A request's place in the queue: `with server.admit() as admission:` gives it back when the
    block ends, however it ends, unless a streamed reply took it over (then when the stream ends);
    at once when its client leaves. Given back once."""

    def __init__(self, server: Server):
        self.server, self.released, self.handed_over = server, False, False
        server.admitted += 1

    def __enter__(self) -> Admission:
        return self

    def __exit__(self, *exc) -> None:
        if not self.handed_over:
            self.release()

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.server.admitted -= 1


class Server:
    """The model behind the routes: one generation at a time, a bounded queue in front."""

    def __init__(self, backend, *, max_queue: int = 8, default_max_tokens: int = 512):
        self.backend, self.max_queue, self.default_max_tokens = backend, max_queue, default_max_tokens
        self.admitted = 0  # requests waiting or generating
        self.turn = asyncio.Lock()  # one generation at a time on one model
        self.responses: dict[int, int] = {}  # by HTTP status
        self.generated = {"replies": 0, "cancelled": 0, "tokens": 0, "seconds": 0.0, "first_token_seconds": 0.0}

    def record(self, generation, completion_tokens: int) -> None:
        self.generated["replies"] += 1
        self.generated["tokens"] += completion_tokens
        self.generated["seconds"] += generation.seconds
        self.generated["first_token_seconds"] += generation.first_token_seconds

    def cancelled(self, generation=None) -> None:
        """A reply whose client left: its time was spent all the same."""
        self.generated["cancelled"] += 1
        self.generated["seconds"] += generation.seconds if generation else 0.0

    def metrics(self) -> str:
        """Prometheus text format: queue, replies (and cancelled ones), tokens and their time, prefix-cache reuse."""
        g, cache = self.generated, getattr(self.backend, "prefix_cache", None)
        lines = [
            "# TYPE longdoc_queue_depth gauge",
            f"longdoc_queue_depth {self.admitted}",
            "# TYPE longdoc_responses_total counter",
        ]
        lines += [f'longdoc_responses_total{{code="{code}"}} {n}' for code, n in sorted(self.responses.items())]
        lines += [
            "# TYPE longdoc_replies_total counter",
            f"longdoc_replies_total {g['replies']}",
            "# TYPE longdoc_cancelled_replies_total counter",
            f"longdoc_cancelled_replies_total {g['cancelled']}",
            "# TYPE longdoc_completion_tokens_total counter",
            f"longdoc_completion_tokens_total {g['tokens']}",
            "# TYPE longdoc_generation_seconds_total counter",
            f"longdoc_generation_seconds_total {g['seconds']:.3f}",
            "# TYPE longdoc_time_to_first_token_seconds summary",
            f"longdoc_time_to_first_token_seconds_sum {g['first_token_seconds']:.3f}",
            f"longdoc_time_to_first_token_seconds_count {g['replies']}",
            "# TYPE longdoc_prefix_cache_hits_total counter",
            f"longdoc_prefix_cache_hits_total {cache.hits if cache else 0}",
            "# TYPE longdoc_prefix_cache_reused_tokens_total counter",
            f"longdoc_prefix_cache_reused_tokens_total {cache.reused_tokens if cache else 0}",
            "# TYPE longdoc_prefix_cache_bytes gauge",
            f"longdoc_prefix_cache_bytes {cache.bytes if cache else 0}",
        ]
        return "\n".join(lines) + "\n"

    def admit(self) -> Admission:
        """A place in the queue, or 429 when it is full (`max_queue` waiting and one generating)."""
        if self.admitted >= self.max_queue + 1:
            raise APIError(
                429,
                f"the server is busy: {self.admitted} requests are queued or running; retry later",
                "rate_limit_error",
                code="queue_full",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        return Admission(self)


async def until_gone(request: Request) -> None:
    """Returns when the client has closed its connection (its body is read by then)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def unless_gone(request: Request, server: Server, admission: Admission, work, generation=None):
    """The result of `work` (a coroutine), unless the client leaves first: then its place in the
    queue is given back at once, the work is cancelled (a generation stops within a token) and
    counted, and a 499 nobody reads is answered."""
    task, gone = asyncio.ensure_future(work), asyncio.ensure_future(until_gone(request))
    try:
        await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if task.done():
        return task.result()
    admission.release()
    task.cancel()
    task.add_done_callback(lambda t: t.cancelled() or t.exception())  # its error, if any, is nobody's now
    server.cancelled(generation)
    return Response(status_code=CLIENT_GONE)


class ReleasingStream(StreamingResponse):
    """A streamed reply that takes over its request's place in the queue and gives it back however
    it ends (finished, failed, or cancelled by a client that left before or during it), counting a
    reply left unfinished."""

    def __init__(self, events, admission: Admission, server: Server, generation=None):
        self.admission, self.server, self.generation, self.finished = admission, server, generation, False
        admission.handed_over = True

        async def tracked():
            async for piece in events:
                yield piece
            self.finished = True

        super().__init__(
            tracked(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.admission.release()
            if not self.finished:
                self.server.cancelled(self.generation)
