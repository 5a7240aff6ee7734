"""The documents API: `/v1/documents` (upload, status, list, delete, ask) and `/v1/collections`
(create, list, get, delete, ask across), answered by the agent: its answer as JSON, or SSE of the
events `ask_stream` yields."""

from __future__ import annotations

import asyncio
import functools
import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..documents import DocumentStore
from ..relay import relay
from .protocol import (
    Answer,
    APIError,
    AskRequest,
    Citation,
    CollectionAskRequest,
    CollectionRequest,
    json_body,
    parsed,
    valid_text,
)
from .server import ReleasingStream, Server, unless_gone

ANSWERED = {200: {"model": Answer, "description": "the answer (or, with `stream`, SSE of its events)"}}


def default_document_agent(server: Server, documents: DocumentStore):
    from agent import Agent

    return Agent(server.backend, embedder=documents.embedder, cache_dir=documents.cache_dir)


def documents_router(server: Server, documents: DocumentStore, agent, max_body_bytes: int) -> APIRouter:
    """Uploads parsed and indexed in the background; documents, and collections of them, asked with `agent`."""
    from agent import Collection

    router = APIRouter()

    def found(document_id: str):
        entry = documents.get(document_id)
        if entry is None:
            raise APIError(404, f"no document {document_id!r}", param="document_id", code="document_not_found")
        return entry

    def found_collection(collection_id: str) -> dict:
        collection = documents.collection(collection_id)
        if collection is None:
            raise APIError(404, f"no collection {collection_id!r}", param="collection_id", code="collection_not_found")
        return collection

    @router.post("/v1/documents", status_code=202)
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

    @router.get("/v1/documents")
    async def listing():
        return {"object": "list", "data": [e.public() for e in await asyncio.to_thread(documents.listing)]}

    @router.get("/v1/documents/{document_id}")
    async def status(document_id: str):
        return found(document_id).public()

    @router.delete("/v1/documents/{document_id}")
    async def delete(document_id: str):
        found(document_id)
        documents.delete(document_id)
        return {"id": document_id, "object": "document", "deleted": True}

    @router.post("/v1/documents/{document_id}/ask", openapi_extra=json_body(AskRequest), responses=ANSWERED)
    async def ask(document_id: str, request: Request):
        entry = found(document_id)
        asked = parsed(AskRequest, await request.body())
        question, history = asked.asked()
        if entry.status != "ready":
            detail = f": {entry.error['type']}: {entry.error['message']}" if entry.error else ""
            raise APIError(409, f"the document is {entry.status}{detail}", code=f"document_{entry.status}")
        return await answered(
            request, server, functools.partial(agent.ask_stream, entry.index), asked, question, history
        )

    @router.post("/v1/collections", status_code=201, openapi_extra=json_body(CollectionRequest))
    async def create(request: Request):
        asked = parsed(CollectionRequest, await request.body())
        try:
            return await asyncio.to_thread(documents.add_collection, valid_text(asked.name, "name"), asked.document_ids)
        except ValueError as error:
            raise APIError(404, str(error), param="document_ids", code="document_not_found") from None

    @router.get("/v1/collections")
    async def collections():
        return {"object": "list", "data": await asyncio.to_thread(documents.collections)}

    @router.get("/v1/collections/{collection_id}")
    async def collection(collection_id: str):
        return found_collection(collection_id)

    @router.delete("/v1/collections/{collection_id}")
    async def delete_collection(collection_id: str):
        found_collection(collection_id)
        documents.delete_collection(collection_id)
        return {"id": collection_id, "object": "collection", "deleted": True}

    @router.post(
        "/v1/collections/{collection_id}/ask", openapi_extra=json_body(CollectionAskRequest), responses=ANSWERED
    )
    async def ask_collection(collection_id: str, request: Request):
        chosen = found_collection(collection_id)["document_ids"]  # a document deleted meanwhile is no longer there
        asked = parsed(CollectionAskRequest, await request.body())
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
        return await answered(request, server, target.ask_stream, asked, question, history, ids)

    return router


async def answered(
    request: Request, server: Server, ask_stream, asked: AskRequest, question: str, history: list, ids=None
):
    """The answer `ask_stream` gives `question`: SSE of its events, or its JSON once done (errors in OpenAI's shape)."""
    events = functools.partial(
        ask_stream, question, history=history, strategy=asked.strategy, max_new_tokens=asked.max_tokens
    )
    with server.admit() as admission:
        if asked.stream:
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
    return answer if isinstance(answer, Response) else Answer.of(answer, ids).json_body()


def error_status(error: Exception) -> tuple[int, str]:
    """An agent error a client caused (an unknown strategy, an empty question) is 400; else 500."""
    from agent import errors

    caused_by_client = (
        errors.CollectionError,
        errors.EmptyQuestionError,
        errors.HistoryError,
        errors.QuestionTooLongError,
        errors.TooManyQuestionsError,
        errors.UnknownStrategyError,
    )
    return (400 if isinstance(error, caused_by_client) else 500), f"{type(error).__name__}: {error}"


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
        return {"type": "citation", **Citation.of(event.citation, ids).model_dump(exclude_unset=True)}
    if isinstance(event, Done):
        return {"type": "done", "answer": Answer.of(event.answer, ids).json_body()}
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
