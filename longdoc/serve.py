"""`longdoc serve`: the local model, read through longctx, as an OpenAI-compatible HTTP service.

    longdoc serve --port 8000                      # loopback, no key needed
    longdoc serve --host 0.0.0.0 --api-key KEY     # any other address needs a key

`GET /v1/models`, `POST /v1/chat/completions` (streamed as SSE ending in `data: [DONE]`, or one
JSON reply with `usage`), `GET /health`, `GET /metrics` (Prometheus text). A prompt that begins
with an earlier one's tokens (the same document, a new question) reuses its KV cache
(`--kv-cache-gb`; `usage.prompt_tokens_details.cached_tokens`). One generation at a time per
model; at most `max_queue` requests wait, more get 429 with Retry-After. A client that
disconnects stops its generation within a token. The documents API (`/v1/documents`: upload,
status, list, delete, ask) answers with the agent; an ask takes a `question`, or OpenAI-shaped
`messages` whose last user message is a follow-up read with the conversation before it (the
answer's `question` is the standalone one answered). Documents are kept under the cache
directory across restarts.
Errors have OpenAI's shape: {"error": {"message", "type", "param", "code"}}.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import inspect
import json
import logging
import threading
import time
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.question import MAX_QUESTION_CHARS

from .documents import MAX_COLLECTION_DOCUMENTS, DocumentStore
from .relay import relay

MAX_BODY_BYTES = 32 << 20  # an uploaded document
MAX_CHAT_BODY_BYTES = 8 << 20  # a chat request's JSON: ~2M tokens of English, past any window here; parsed in < 0.1 s
MAX_SMALL_BODY_BYTES = 64 << 10  # every other request (a question is at most 4,000 characters)
MAX_ASK_BODY_BYTES = 2 << 20  # a question with its conversation (the agent reads the latest turns)
MAX_COLLECTION_BODY_BYTES = 256 << 10  # a collection of the most document ids it may hold (67 bytes each in JSON)
MAX_MESSAGES = 1_000
MAX_JSON_OBJECTS = 4 * MAX_MESSAGES  # messages and their content parts; more is refused while parsing
MAX_STOPS, MAX_STOP_CHARS = 8, 256
GREEDY_BELOW = 1e-4  # a temperature this small picks the likeliest token anyway (and 1e-300 overflowed the logits)
FALLBACK_TOKEN_BYTES = 128  # a backend that does not say how long its longest token is
CLIENT_GONE = 499  # nginx's "client closed request": counted, never read
RETRY_AFTER_S = 5
log = logging.getLogger("longdoc.serve")


class APIError(Exception):
    """An error answered in OpenAI's shape."""

    def __init__(
        self,
        status: int,
        message: str,
        type_: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code, self.headers = (
            status,
            message,
            type_,
            param,
            code,
            headers,
        )

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def too_large(limit: int) -> APIError:
    # closing the connection stops a client still sending (uvicorn would read the rest and throw it away)
    return APIError(
        413, f"the request is over {limit:,} bytes", code="request_too_large", headers={"Connection": "close"}
    )


def valid_text(text: str, param: str) -> str:
    """`text` if it is Unicode a tokenizer can take (JSON lets a lone surrogate through)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise APIError(400, f"{param} is not valid Unicode (it holds a lone surrogate)", param=param) from None
    return text


class TextPart(BaseModel):
    type: str
    text: str = ""


class Message(BaseModel):
    role: str
    content: str | list[TextPart] | None = None

    @field_validator("role")
    @classmethod
    def known_role(cls, role: str) -> str:
        if role not in ("system", "developer", "user", "assistant"):
            raise ValueError(f"role {role!r} is not one of system, developer, user, assistant")
        return role

    def text(self) -> str:
        if isinstance(self.content, list):
            if any(part.type != "text" for part in self.content):
                raise APIError(400, "only text content parts are supported", param="messages")
            return "".join(part.text for part in self.content)
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # other OpenAI fields (user, metadata, ...) are accepted and ignored

    model: str
    messages: list[Message] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    stop: str | list[str] | None = None
    seed: int | None = Field(default=None, ge=-(2**63), le=2**64 - 1)  # what torch.manual_seed takes
    n: int = Field(default=1, ge=1)
    stream_options: dict | None = None

    def stops(self) -> list[str]:
        stops = [self.stop] if isinstance(self.stop, str) else list(self.stop or [])
        if len(stops) > MAX_STOPS or any(len(s) > MAX_STOP_CHARS for s in stops):
            raise APIError(400, f"at most {MAX_STOPS} stop sequences of {MAX_STOP_CHARS} characters", param="stop")
        return [valid_text(s, "stop") for s in stops if s]


UNSUPPORTED = ("tools", "functions", "tool_choice", "function_call", "logprobs", "response_format")


class Admission:
    """A request's place in the queue, given back once (when it ends, or at once when its client leaves)."""

    def __init__(self, server: "Server"):
        self.server, self.released = server, False
        server.admitted += 1

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

    def record(self, generation: "Generation", completion_tokens: int) -> None:
        self.generated["replies"] += 1
        self.generated["tokens"] += completion_tokens
        self.generated["seconds"] += generation.seconds
        self.generated["first_token_seconds"] += generation.first_token_seconds

    def cancelled(self, generation: "Generation | None" = None) -> None:
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
        if self.admitted >= self.max_queue + 1:
            raise APIError(
                429,
                f"the server is busy: {self.admitted} requests are queued or running; retry later",
                "rate_limit_error",
                code="queue_full",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        return Admission(self)


class Guard:
    """ASGI middleware in front of every route: the key (all but /health), the body's size while
    it streams in (chunked bodies too: counted as they arrive, never read whole first), the
    response counts and the access log."""

    def __init__(self, app, *, server: Server, api_key: str | None, limits: dict[str, int], default_limit: int):
        self.app, self.server, self.limits, self.default_limit = app, server, limits, default_limit
        self.expected = f"Bearer {api_key}".encode() if api_key else None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, path, status = time.perf_counter(), scope["path"], [0]

        async def counted(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            refusal = self._refusal(scope)
            if refusal is not None:
                return await refusal.response()(scope, receive, counted)
            await self.app(scope, self._bounded(receive, self._limit(path)), counted)
        finally:
            code = status[0] or CLIENT_GONE
            self.server.responses[code] = self.server.responses.get(code, 0) + 1
            # an access log line: never the key, never the request's text
            log.info("%s %s %d %.3fs", scope["method"], path, code, time.perf_counter() - started)

    def _refusal(self, scope) -> APIError | None:
        headers = dict(scope["headers"])
        if self.expected and scope["path"] != "/health":
            if not hmac.compare_digest(headers.get(b"authorization", b""), self.expected):
                return APIError(
                    401,
                    "a valid API key is required (Authorization: Bearer ...)",
                    "authentication_error",
                    code="invalid_api_key",
                )
        length, limit = headers.get(b"content-length"), self._limit(scope["path"])
        if length is not None and (not length.isdigit() or int(length) > limit):
            return too_large(limit)
        return None

    def _limit(self, path: str) -> int:
        """The body limit of `path`: its own, else its last part's ("*/ask"), else the default."""
        return self.limits.get(path) or self.limits.get(f"*/{path.rpartition('/')[2]}") or self.default_limit

    @staticmethod
    def _bounded(receive, limit: int):
        received = 0

        async def bounded():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)  # answered by the route's APIError handler
            return message

        return bounded


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
    """A streamed reply that gives back its place in the queue however it ends (finished, failed,
    or cancelled by a client that left before or during it) and counts a reply left unfinished."""

    def __init__(self, events, admission: Admission, server: Server, generation: "Generation | None" = None):
        self.admission, self.server, self.generation, self.finished = admission, server, generation, False

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


def create_app(
    backend,
    *,
    api_key: str | None = None,
    max_queue: int = 8,
    max_body_bytes: int = MAX_BODY_BYTES,
    documents: DocumentStore | None = None,
    agent=None,
) -> FastAPI:
    """The ASGI app serving `backend` (LocalBackend, or anything with `stream` and `count_tokens`);
    with `documents`, the documents API too, answered by `agent` (default: an Agent on `backend`)."""
    if api_key is not None and not api_key.strip():
        raise ValueError("the API key is blank: give a real secret, or none for loopback only")
    app = FastAPI(title="longdoc", description=__doc__.split("\n")[0], version="1")
    server = Server(backend, max_queue=max_queue)
    app.state.server = server
    limits = {
        "/v1/chat/completions": min(max_body_bytes, MAX_CHAT_BODY_BYTES),
        "/v1/documents": max_body_bytes,
        "/v1/collections": MAX_COLLECTION_BODY_BYTES,
        "*/ask": MAX_ASK_BODY_BYTES,
    }
    app.add_middleware(Guard, server=server, api_key=api_key, limits=limits, default_limit=MAX_SMALL_BODY_BYTES)
    if documents is not None:
        agent = agent or default_document_agent(server, documents)
        add_document_routes(app, server, documents, agent, max_body_bytes)
        add_collection_routes(app, server, documents, agent)

    @app.exception_handler(APIError)
    async def api_error(request: Request, error: APIError):
        return error.response()

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError):
        return invalid_request(error.errors()).response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        # unknown routes, wrong methods, malformed forms: OpenAI's shape too, never {"detail": ...}
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code)
        return APIError(error.status_code, str(error.detail), code=code, headers=error.headers).response()

    @app.exception_handler(Exception)
    async def failure(request: Request, error: Exception):
        log.exception("%s %s failed", request.method, request.url.path)
        return APIError(500, f"{type(error).__name__}: {error}", "server_error").response()

    @app.get("/health")
    async def health():
        return {"status": "ok", "model": backend.name, "queued": server.admitted}

    @app.get("/metrics", response_class=PlainTextResponse)
    async def metrics():
        return server.metrics()

    @app.get("/v1/models")
    async def models():
        # max_model_len (as vLLM names it): the window the model reads well, for clients that budget prompts
        return {
            "object": "list",
            "data": [
                {
                    "id": backend.name,
                    "object": "model",
                    "created": 0,
                    "owned_by": "longdoc",
                    "max_model_len": backend.window,
                }
            ],
        }

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request):
        # parsed and tokenized in worker threads: a large prompt never holds up /health
        chat = await asyncio.to_thread(parse_chat, await request.body())
        if chat.model != backend.name:
            raise APIError(
                404,
                f"the model {chat.model!r} does not exist; this server serves {backend.name!r}",
                param="model",
                code="model_not_found",
            )
        messages = [
            {
                "role": "system" if m.role == "developer" else m.role,
                "content": valid_text(m.text(), f"messages.{i}.content"),
            }
            for i, m in enumerate(chat.messages)
        ]
        max_tokens = chat.max_completion_tokens or chat.max_tokens or server.default_max_tokens
        limit = getattr(backend, "max_length", backend.window)
        # the first call reads the whole vocabulary (a second or so): never on the event loop
        token_bytes = await asyncio.to_thread(getattr, backend, "max_token_bytes", FALLBACK_TOKEN_BYTES)
        fewest = sum(len(m["content"].encode()) for m in messages) // token_bytes
        if fewest + max_tokens > limit:  # refused before any tokenizing: no token is longer than max_token_bytes
            raise context_exceeded(f"at least {fewest:,} tokens", max_tokens, limit)
        prompt_tokens = await asyncio.to_thread(backend.prompt_tokens, messages)
        if prompt_tokens + max_tokens > limit:
            raise context_exceeded(f"{prompt_tokens:,} tokens", max_tokens, limit)
        sampling = {"temperature": chat.temperature, "top_p": chat.top_p, "seed": chat.seed}
        admission = server.admit()
        generation = Generation(backend, messages, max_tokens, chat.stops(), sampling)
        reply = Reply(f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), backend.name, prompt_tokens)
        if chat.stream:
            usage = bool((chat.stream_options or {}).get("include_usage"))
            return ReleasingStream(stream_events(server, generation, reply, usage), admission, server, generation)
        try:

            async def whole():
                async with server.turn:
                    return await generation.run_to_end()

            result = await unless_gone(request, server, admission, whole(), generation)
        finally:
            admission.release()
        if isinstance(result, Response):
            return result
        text, finish = result
        server.record(generation, backend.count_tokens(text) if text else 0)
        return reply.completion(
            text, finish, backend.count_tokens(text) if text else 0, getattr(backend, "cached_tokens", 0)
        )

    return app


def context_exceeded(prompt: str, max_tokens: int, limit: int) -> APIError:
    return APIError(
        400,
        f"the prompt ({prompt}) and max_tokens ({max_tokens:,}) are over the model's {limit:,}-token limit",
        param="messages",
        code="context_length_exceeded",
    )


def invalid_request(errors: list) -> APIError:
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", ())]
    param = ".".join(loc[1:] if loc[:1] in (["body"], ["path"], ["query"]) else loc) or None
    return APIError(400, f"invalid request: {first.get('msg', 'malformed body')}", param=param)


class AskRequest(BaseModel):
    """A question, or a conversation in OpenAI's `messages` shape whose last message is the user's
    question and whose earlier user and assistant messages are its history (system messages are
    not instructions to the agent: ignored)."""

    question: str = Field(default="", max_length=MAX_QUESTION_CHARS)
    messages: list[Message] | None = Field(default=None, min_length=1, max_length=MAX_MESSAGES)
    strategy: str = "auto"
    max_tokens: int = Field(default=96, ge=1, le=4096)
    stream: bool = False

    def asked(self) -> tuple[str, list[tuple[str, str]]]:
        """(the question, the (question, answer) pairs before it)."""
        if self.messages is None:
            if not self.question:
                raise APIError(400, "give a question, or messages ending with the user's question", param="question")
            return valid_text(self.question, "question"), []
        if self.question:
            raise APIError(400, "give a question or messages, not both", param="messages")
        said = [m for m in self.messages if m.role in ("user", "assistant")]
        if not said or said[-1].role != "user":
            raise APIError(400, "the last message must be the user's question", param="messages")
        pairs, pending = [], None
        for message in said[:-1]:
            text = valid_text(message.text(), "messages")
            if message.role == "user":
                if pending is not None:
                    pairs.append((pending, ""))  # asked again without a reply
                pending = text
            elif pending is not None:
                pairs.append((pending, text))
                pending = None
        if pending is not None:
            pairs.append((pending, ""))
        question = valid_text(said[-1].text(), "messages")
        if len(question) > MAX_QUESTION_CHARS:
            raise APIError(400, f"the question is over {MAX_QUESTION_CHARS:,} characters", param="messages")
        return question, pairs


def default_document_agent(server: Server, documents: DocumentStore):
    from agent import Agent

    return Agent(server.backend, embedder=documents.embedder, cache_dir=documents.cache_dir)


def add_document_routes(app: FastAPI, server: Server, documents: DocumentStore, agent, max_body_bytes: int) -> None:
    """POST/GET/DELETE /v1/documents, POST /v1/documents/{id}/ask: uploads parsed and indexed in
    the background, asked with the agent (JSON, or SSE of the events `ask_stream` yields)."""

    def found(document_id: str):
        entry = documents.get(document_id)
        if entry is None:
            raise APIError(404, f"no document {document_id!r}", param="document_id", code="document_not_found")
        return entry

    @app.post("/v1/documents", status_code=202)
    async def upload(request: Request):
        """A file (multipart field `file`) or the raw bytes of one (`?name=report.pdf`); never a path."""
        kind = request.headers.get("content-type", "")
        if kind.startswith("multipart/form-data"):
            form = await request.form(max_files=1, max_fields=16, max_part_size=max_body_bytes)
            file = form.get("file")
            if file is None or isinstance(file, str):
                raise APIError(400, "send the document as the multipart field `file`", param="file")
            data, name = await file.read(), file.filename or "document"
        else:
            data, name = await request.body(), request.query_params.get("name", "document.txt")
        if not data:
            raise APIError(400, "the document is empty", param="file")
        return (await asyncio.to_thread(documents.add, data, name)).public()  # hashed and written off the loop

    @app.get("/v1/documents")
    async def listing():
        return {"object": "list", "data": [e.public() for e in await asyncio.to_thread(documents.listing)]}

    @app.get("/v1/documents/{document_id}")
    async def status(document_id: str):
        return found(document_id).public()

    @app.delete("/v1/documents/{document_id}")
    async def delete(document_id: str):
        found(document_id)
        documents.delete(document_id)
        return {"id": document_id, "object": "document", "deleted": True}

    @app.post("/v1/documents/{document_id}/ask")
    async def ask(document_id: str, request: Request):
        entry = found(document_id)
        try:
            asked = AskRequest.model_validate_json(await request.body())
        except ValidationError as error:
            raise invalid_request(error.errors()) from None
        question, history = asked.asked()
        if entry.status != "ready":
            detail = f": {entry.error['type']}: {entry.error['message']}" if entry.error else ""
            raise APIError(409, f"the document is {entry.status}{detail}", code=f"document_{entry.status}")
        events = functools.partial(
            agent.ask_stream,
            entry.index,
            question,
            history=history,
            strategy=asked.strategy,
            max_new_tokens=asked.max_tokens,
        )
        return await answered(request, server, events, asked.stream)


class CollectionRequest(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    document_ids: list[str] = Field(min_length=1, max_length=MAX_COLLECTION_DOCUMENTS)


class CollectionAskRequest(AskRequest):
    documents: list[str] | None = Field(default=None, min_length=1, max_length=MAX_COLLECTION_DOCUMENTS)  # narrowed to


def add_collection_routes(app: FastAPI, server: Server, documents: DocumentStore, agent) -> None:
    """POST/GET/DELETE /v1/collections, POST /v1/collections/{id}/ask: documents of the store asked
    together (agent.Collection), each citation naming its document and id."""
    from agent import Collection

    def found(collection_id: str) -> dict:
        collection = documents.collection(collection_id)
        if collection is None:
            raise APIError(404, f"no collection {collection_id!r}", param="collection_id", code="collection_not_found")
        return collection

    @app.post("/v1/collections", status_code=201)
    async def create(request: Request):
        try:
            asked = CollectionRequest.model_validate_json(await request.body())
        except ValidationError as error:
            raise invalid_request(error.errors()) from None
        try:
            return await asyncio.to_thread(documents.add_collection, valid_text(asked.name, "name"), asked.document_ids)
        except ValueError as error:
            raise APIError(404, str(error), param="document_ids", code="document_not_found") from None

    @app.get("/v1/collections")
    async def collections():
        return {"object": "list", "data": await asyncio.to_thread(documents.collections)}

    @app.get("/v1/collections/{collection_id}")
    async def collection(collection_id: str):
        return found(collection_id)

    @app.delete("/v1/collections/{collection_id}")
    async def delete(collection_id: str):
        found(collection_id)
        documents.delete_collection(collection_id)
        return {"id": collection_id, "object": "collection", "deleted": True}

    @app.post("/v1/collections/{collection_id}/ask")
    async def ask(collection_id: str, request: Request):
        chosen = found(collection_id)["document_ids"]  # a document deleted meanwhile is no longer there
        try:
            asked = CollectionAskRequest.model_validate_json(await request.body())
        except ValidationError as error:
            raise invalid_request(error.errors()) from None
        question, history = asked.asked()
        if asked.documents is not None:
            unknown = [i for i in asked.documents if i not in chosen]
            if unknown:
                raise APIError(
                    404, f"no document {unknown[0]!r} in the collection", param="documents", code="document_not_found"
                )
            chosen = asked.documents
        entries = [e for i in chosen if (e := documents.get(i)) is not None and e.status == "ready"]
        if not entries:
            raise APIError(409, "no document of the collection is ready", code="collection_not_ready")
        ids = {e.index.document.name: e.id for e in entries}
        target = Collection([e.index for e in entries], agent=agent)
        events = functools.partial(
            target.ask_stream,
            question,
            history=history,
            strategy=asked.strategy,
            max_new_tokens=asked.max_tokens,
        )
        return await answered(request, server, events, asked.stream, ids)


async def answered(request: Request, server: Server, events, stream: bool, ids: dict | None = None):
    """An ask's answer: SSE of its events, or its JSON once done (errors in OpenAI's shape)."""
    admission = server.admit()
    if stream:
        return ReleasingStream(ask_events(server, events, ids), admission, server)

    async def whole():
        async with server.turn:
            answer = None
            async for event in relay(events):
                answer = getattr(event, "answer", answer)
            return answer

    try:
        answer = await unless_gone(request, server, admission, whole())
    except Exception as error:
        status, message = error_status(error)
        raise APIError(status, message, "invalid_request_error" if status == 400 else "server_error") from error
    finally:
        admission.release()
    return answer if isinstance(answer, Response) else answer_json(answer, ids)


def error_status(error: Exception) -> tuple[int, str]:
    """An agent error a client caused (an unknown strategy, an empty question) is 400; else 500."""
    from agent.errors import (
        CollectionError,
        EmptyQuestionError,
        HistoryError,
        QuestionTooLongError,
        TooManyQuestionsError,
        UnknownStrategyError,
    )

    client = isinstance(
        error,
        (
            CollectionError,
            EmptyQuestionError,
            HistoryError,
            QuestionTooLongError,
            TooManyQuestionsError,
            UnknownStrategyError,
        ),
    )
    return (400 if client else 500), f"{type(error).__name__}: {error}"


def citation_json(c, ids: dict | None = None) -> dict:
    """A citation; in a collection, with its document's name and id."""
    out = {"page": c.page, "label": c.page_label, "char_start": c.char_start, "char_end": c.char_end, "quote": c.quote}
    if c.document:
        out.update(document=c.document, document_id=(ids or {}).get(c.document))
    return out


def answer_json(answer, ids: dict | None = None) -> dict:
    return {
        "object": "answer",
        "text": answer.text,
        "question": answer.trace.question,
        "strategy": answer.strategy,
        "supported": answer.supported,
        "citations": [citation_json(c, ids) for c in answer.citations],
        "trace": {
            "strategy_reason": answer.trace.strategy_reason,
            "document_tokens": answer.trace.document_tokens,
            "steps": [
                {
                    "name": st.name,
                    "seconds": round(st.seconds, 3),
                    "prompt_tokens": st.prompt_tokens,
                    "detail": st.detail,
                }
                for st in answer.trace.steps
            ],
        },
    }


def event_json(event, ids: dict | None = None) -> dict | None:
    """An `ask_stream` event as JSON (Retrieved as a count: passages are the document's own text)."""
    from agent.events import CitationEvent, Done, Progress, Retrieved, Token

    if isinstance(event, Progress):
        return {"type": "progress", "stage": event.stage, "fraction": event.fraction, "detail": event.detail}
    if isinstance(event, Retrieved):
        return {"type": "retrieved", "passages": len(event.passages)}
    if isinstance(event, Token):
        return {"type": "token", "text": event.text}
    if isinstance(event, CitationEvent):
        return {"type": "citation", **citation_json(event.citation, ids)}
    if isinstance(event, Done):
        return {"type": "done", "answer": answer_json(event.answer, ids)}
    return None


async def ask_events(server: Server, events, ids: dict | None = None):
    async with server.turn:
        try:
            async for event in relay(events):
                if (body := event_json(event, ids)) is not None:
                    yield f"data: {json.dumps(body, ensure_ascii=False)}\n\n"
        except Exception as error:
            status, message = error_status(error)
            yield f"data: {json.dumps({'type': 'error', 'status': status, 'message': message})}\n\n"
            return
        yield "data: [DONE]\n\n"


def parse_chat(body: bytes) -> ChatRequest:
    """The request, or an APIError saying what is wrong with it. At most MAX_JSON_OBJECTS objects
    are built (900,000 tiny messages are refused while parsing, not after)."""
    objects = 0

    def counted(pairs):
        nonlocal objects
        objects += 1
        if objects > MAX_JSON_OBJECTS:
            raise APIError(
                400,
                f"the request holds over {MAX_JSON_OBJECTS:,} JSON objects (at most {MAX_MESSAGES:,} messages)",
                param="messages",
            )
        return dict(pairs)

    try:
        raw = json.loads(body, object_pairs_hook=counted)
    except RecursionError:
        raise APIError(400, "the body's JSON nests too deeply") from None
    except ValueError as error:
        raise APIError(400, f"the body is not JSON: {error}") from None
    if not isinstance(raw, dict):
        raise APIError(400, "the body must be a JSON object")
    for name in UNSUPPORTED:
        if raw.get(name) not in (None, [], False):
            raise APIError(400, f"{name} is not supported by this server", param=name, code="unsupported_parameter")
    try:
        chat = ChatRequest.model_validate(raw)
    except ValidationError as error:
        raise invalid_request(error.errors()) from None
    if chat.n > 1:
        raise APIError(
            400, "n > 1 is not supported: ask again for another reply", param="n", code="unsupported_parameter"
        )
    return chat


class Generation:
    """One reply generated in a worker thread, its pieces handed to the event loop."""

    def __init__(self, backend, messages, max_tokens: int, stops: list[str], sampling: dict):
        self.backend, self.messages, self.max_tokens, self.stops, self.sampling = (
            backend,
            messages,
            max_tokens,
            stops,
            sampling,
        )
        self.seconds = self.first_token_seconds = 0.0
        self.cancel = threading.Event()  # set when the client leaves: a backend that takes it stops mid-prompt

    def _stream(self):
        options = {"cancel": self.cancel} if "cancel" in inspect.signature(self.backend.stream).parameters else {}
        if (
            self.sampling.get("temperature") or 0
        ) >= GREEDY_BELOW:  # greedy otherwise: top_p and seed change nothing then
            options["sampling"] = self.sampling
        return self.backend.stream(self.messages, self.max_tokens, **options)

    def text_pieces(self):
        """Text pieces, then ("", finish_reason); stop sequences cut the text and end generation
        (what may be the start of one is held back)."""
        text, shown, finish = "", 0, None
        stream = self._stream()
        try:
            for piece in stream:
                text += piece
                cut = min((i for i in (text.find(s, max(0, shown - len(s))) for s in self.stops) if i >= 0), default=-1)
                if cut >= 0:
                    text, finish = text[:cut], "stop"
                    break
                ready = len(text) - max((len(s) - 1 for s in self.stops), default=0)
                if ready > shown:
                    yield text[shown:ready]
                    shown = ready
        finally:
            if hasattr(stream, "close"):
                stream.close()
        if finish is None:
            finish = "stop" if self.backend.count_tokens(text) < self.max_tokens else "length"
        if len(text) > shown:
            yield text[shown:]
        yield "", finish

    async def pieces(self):
        """`text_pieces` read from the event loop, timed; leaving early stops the model within a token."""
        started = time.perf_counter()
        try:
            async for item in relay(self.text_pieces, on_leave=self.cancel.set):
                if not self.first_token_seconds:
                    self.first_token_seconds = time.perf_counter() - started
                yield item
        except Exception as error:
            raise APIError(500, f"generation failed: {error}", "server_error") from error
        finally:
            self.seconds = time.perf_counter() - started

    async def run_to_end(self) -> tuple[str, str]:
        text = ""
        async with contextlib.aclosing(self.pieces()) as pieces:  # closed here: its time is known on return
            async for item in pieces:
                if isinstance(item, tuple):
                    return text, item[1]
                text += item
        return text, "stop"


class Reply:
    def __init__(self, id_: str, created: int, model: str, prompt_tokens: int):
        self.id, self.created, self.model, self.prompt_tokens = id_, created, model, prompt_tokens

    def usage(self, completion_tokens: int, cached_tokens: int) -> dict:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": self.prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached_tokens},
        }

    def completion(self, text: str, finish: str, completion_tokens: int, cached_tokens: int) -> dict:
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
            "usage": self.usage(completion_tokens, cached_tokens),
        }

    def chunk(self, delta: dict, finish: str | None = None) -> str:
        body = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


async def stream_events(server: Server, generation: Generation, reply: Reply, include_usage: bool):
    """SSE of a streamed reply: the role, the text pieces, the finish reason (an error as an
    error event), optionally usage, then [DONE]."""
    text = ""
    async with server.turn:
        yield reply.chunk({"role": "assistant", "content": ""})
        try:
            async with contextlib.aclosing(generation.pieces()) as pieces:  # closed here: its time is known after
                async for item in pieces:
                    if isinstance(item, tuple):
                        yield reply.chunk({}, item[1])
                        break
                    text += item
                    yield reply.chunk({"content": item})
        except APIError as error:
            yield f"data: {json.dumps({'error': {'message': error.message, 'type': error.type}})}\n\n"
            return
        server.record(generation, generation.backend.count_tokens(text) if text else 0)
        if include_usage:
            body = {
                "id": reply.id,
                "object": "chat.completion.chunk",
                "created": reply.created,
                "model": reply.model,
                "choices": [],
                "usage": reply.usage(
                    generation.backend.count_tokens(text) if text else 0,
                    getattr(generation.backend, "cached_tokens", 0),
                ),
            }
            yield f"data: {json.dumps(body)}\n\n"
        yield "data: [DONE]\n\n"
