"""The app: the guard in front of every route (key, body size, response counts, access log), the
routers, the error handlers, the schemas in /docs, and the small routes (health, metrics, models)."""

from __future__ import annotations

import hmac
import logging
import time

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..documents import DocumentStore
from .chat import chat_router
from .documents import default_document_agent, documents_router
from .protocol import (
    MAX_ASK_BODY_BYTES,
    MAX_BODY_BYTES,
    MAX_CHAT_BODY_BYTES,
    MAX_COLLECTION_BODY_BYTES,
    MAX_SMALL_BODY_BYTES,
    APIError,
    invalid_request,
    openapi_schemas,
    too_large,
)
from .server import CLIENT_GONE, Server

DESCRIPTION = "The local model, read through longctx, as an OpenAI-compatible HTTP service; the documents API."
log = logging.getLogger("longdoc.serve")


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
    app = FastAPI(title="longdoc", description=DESCRIPTION, version="1")
    server = Server(backend, max_queue=max_queue)
    app.state.server = server
    limits = {
        "/v1/chat/completions": min(max_body_bytes, MAX_CHAT_BODY_BYTES),
        "/v1/documents": max_body_bytes,
        "/v1/collections": MAX_COLLECTION_BODY_BYTES,
        "*/ask": MAX_ASK_BODY_BYTES,
    }
    app.add_middleware(Guard, server=server, api_key=api_key, limits=limits, default_limit=MAX_SMALL_BODY_BYTES)
    app.include_router(chat_router(server))
    if documents is not None:
        agent = agent or default_document_agent(server, documents)
        app.include_router(documents_router(server, documents, agent, max_body_bytes))
    add_errors(app)
    with_schemas(app)

    @app.get("/health")
    async def health():
        return {"status": "ok", "model": backend.name, "queued": server.admitted}

    @app.get("/metrics", response_class=PlainTextResponse)
    async def metrics():
        return server.metrics()

    @app.get("/v1/models")
    async def models():
        # max_model_len (as vLLM names it): the window the model reads well, for clients that budget prompts
        model = {
            "id": backend.name,
            "object": "model",
            "created": 0,
            "owned_by": "longdoc",
            "max_model_len": backend.window,
        }
        return {"object": "list", "data": [model]}

    return app


def add_errors(app: FastAPI) -> None:
    """Every error in OpenAI's shape, never FastAPI's {"detail": ...}; an unexpected one logged."""

    @app.exception_handler(APIError)
    async def api_error(request: Request, error: APIError):
        return error.response()

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError):
        return invalid_request(list(error.errors())).response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        # unknown routes, wrong methods, malformed forms
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code)
        return APIError(error.status_code, str(error.detail), code=code, headers=error.headers).response()

    @app.exception_handler(Exception)
    async def failure(request: Request, error: Exception):
        log.exception("%s %s failed", request.method, request.url.path)
        return APIError(500, f"{type(error).__name__}: {error}", "server_error").response()


def with_schemas(app: FastAPI) -> None:
    """/docs and /openapi.json show the request and response models the routes parse by hand."""
    plain = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = plain()
            schema.setdefault("components", {}).setdefault("schemas", {}).update(openapi_schemas())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
