"""What the API speaks: its limits, its errors (OpenAI's shape) and its pydantic request and
response models. The routes parse bodies themselves (in worker threads, JSON objects counted);
`openapi_schemas` shows these models in `/docs` all the same."""

from __future__ import annotations

import json
from typing import TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.json_schema import models_json_schema

from agent.question import MAX_QUESTION_CHARS

from ..documents import MAX_COLLECTION_DOCUMENTS

MAX_BODY_BYTES = 32 << 20  # an uploaded document
MAX_CHAT_BODY_BYTES = 8 << 20  # a chat request's JSON: ~2M tokens of English, past any window here; parsed in < 0.1 s
MAX_SMALL_BODY_BYTES = 64 << 10  # every other request (a question is at most 4,000 characters)
MAX_ASK_BODY_BYTES = 2 << 20  # a question with its conversation (the agent reads the latest turns)
MAX_COLLECTION_BODY_BYTES = 256 << 10  # a collection of the most document ids it may hold (67 bytes each in JSON)
MAX_MESSAGES = 1_000
MAX_JSON_OBJECTS = 4 * MAX_MESSAGES  # messages and their content parts; more is refused while parsing
MAX_STOPS, MAX_STOP_CHARS = 8, 256
UNSUPPORTED = ("tools", "functions", "tool_choice", "function_call", "logprobs", "response_format")


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
        self.status, self.message, self.type, self.param, self.code = status, message, type_, param, code
        self.headers = headers

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def too_large(limit: int) -> APIError:
    # closing the connection stops a client still sending (uvicorn would read the rest and throw it away)
    return APIError(
        413, f"the request is over {limit:,} bytes", code="request_too_large", headers={"Connection": "close"}
    )


def context_exceeded(prompt: str, max_tokens: int, limit: int) -> APIError:
    return APIError(
        400,
        f"the prompt ({prompt}) and max_tokens ({max_tokens:,}) are over the model's {limit:,}-token limit",
        param="messages",
        code="context_length_exceeded",
    )


def invalid_request(errors: list) -> APIError:
    """The first of pydantic's (or FastAPI's) validation errors, its place as `param`."""
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", ())]
    param = ".".join(loc[1:] if loc[:1] in (["body"], ["path"], ["query"]) else loc) or None
    return APIError(400, f"invalid request: {first.get('msg', 'malformed body')}", param=param)


Model = TypeVar("Model", bound=BaseModel)


def parsed(model: type[Model], body: bytes | dict) -> Model:
    """`body` (JSON bytes, or the object they hold) as `model`, or an APIError naming what is wrong."""
    try:
        return model.model_validate_json(body) if isinstance(body, bytes) else model.model_validate(body)
    except ValidationError as error:
        raise invalid_request(error.errors()) from None


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
    """`POST /v1/chat/completions`, as OpenAI's; tools, logprobs and n > 1 are refused."""

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
    chat = parsed(ChatRequest, raw)
    if chat.n > 1:
        raise APIError(
            400, "n > 1 is not supported: ask again for another reply", param="n", code="unsupported_parameter"
        )
    return chat


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


class CollectionRequest(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    document_ids: list[str] = Field(min_length=1, max_length=MAX_COLLECTION_DOCUMENTS)


class CollectionAskRequest(AskRequest):
    documents: list[str] | None = Field(default=None, min_length=1, max_length=MAX_COLLECTION_DOCUMENTS)  # narrowed to


class Citation(BaseModel):
    """A cited passage; in a collection, with its document's name and id."""

    page: int
    label: str
    char_start: int
    char_end: int
    quote: str
    document: str | None = None
    document_id: str | None = None

    @classmethod
    def of(cls, c, ids: dict | None = None) -> Citation:
        out = cls(page=c.page, label=c.page_label, char_start=c.char_start, char_end=c.char_end, quote=c.quote)
        if c.document:  # set only in a collection: absent from one document's citations
            out.document, out.document_id = c.document, (ids or {}).get(c.document)
        return out


class Step(BaseModel):
    name: str
    seconds: float
    prompt_tokens: int
    detail: str


class Trace(BaseModel):
    strategy_reason: str
    document_tokens: int
    steps: list[Step]


class Answer(BaseModel):
    """What an ask answers (and a streamed ask's `done` event holds)."""

    object: str = "answer"
    text: str
    question: str
    strategy: str
    supported: bool
    citations: list[Citation]
    trace: Trace

    @classmethod
    def of(cls, answer, ids: dict | None = None) -> Answer:
        trace = answer.trace
        steps = [
            Step(name=s.name, seconds=round(s.seconds, 3), prompt_tokens=s.prompt_tokens, detail=s.detail)
            for s in trace.steps
        ]
        return cls(
            object="answer",  # set, so that the body keeps it (unset fields are left out: see json_body)
            text=answer.text,
            question=trace.question,
            strategy=answer.strategy,
            supported=answer.supported,
            citations=[Citation.of(c, ids) for c in answer.citations],
            trace=Trace(strategy_reason=trace.strategy_reason, document_tokens=trace.document_tokens, steps=steps),
        )

    def json_body(self) -> dict:
        return self.model_dump(exclude_unset=True)  # a citation's document fields only in a collection


def openapi_schemas() -> dict:
    """The request and response models as OpenAPI components (`#/components/schemas/<Model>`)."""
    models = (ChatRequest, AskRequest, CollectionRequest, CollectionAskRequest, Answer)
    _, top = models_json_schema([(m, "validation") for m in models], ref_template="#/components/schemas/{model}")
    return top["$defs"]


def json_body(model: type[BaseModel]) -> dict:
    """A route's `openapi_extra`: its JSON body is `model` (parsed by the route itself)."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}
