"""The local model (through longctx) as a langchain-core `BaseChatModel`, so langchain code can
use the embedded model like any chat model: `LongdocChatModel().invoke("Hello")`.

Greedy decoding; `stop` sequences cut the reply (and stop generation) where they appear. One
loaded model is shared by every instance with the same `model` (loading takes seconds).
"""

from __future__ import annotations

import threading
from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, SystemMessage, ToolMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from .backends import LocalBackend

_loaded: dict[str | None, LocalBackend] = {}
_loading = threading.Lock()


def local_backend(model: str | None) -> LocalBackend:
    with _loading:
        if model not in _loaded:
            _loaded[model] = LocalBackend(model_name=model)
        return _loaded[model]


def chat_messages(messages: list[BaseMessage]) -> list[dict]:
    """langchain messages as chat-template messages (text parts only)."""
    converted = []
    for message in messages:
        role = (
            "system"
            if isinstance(message, SystemMessage)
            else "assistant"
            if isinstance(message, AIMessage)
            else "user"
        )  # human and tool messages are what the user side said
        text = message.text if not isinstance(message, ToolMessage) else f"Tool result: {message.text}"
        converted.append({"role": role, "content": text})
    return converted


class LongdocChatModel(BaseChatModel):
    model: str | None = None
    """Hub id, local folder or .gguf file; None: the embedded SmolLM2-135M-Instruct."""
    max_tokens: int = 256
    stop: list[str] | None = None

    @property
    def _llm_type(self) -> str:
        return "longdoc-local"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model_name, "max_tokens": self.max_tokens}

    @property
    def model_name(self) -> str:
        return self.model or "SmolLM2-135M-Instruct"

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any):
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "longdoc"
        params["ls_model_name"] = kwargs.get("model") or self.model_name
        params["ls_max_tokens"] = self.max_tokens
        params["ls_temperature"] = 0.0
        if stop or self.stop:
            params["ls_stop"] = stop or self.stop
        return params

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        model = kwargs.get("model") or self.model  # a per-call override loads (and keeps) that model
        backend = local_backend(model)
        prompt = chat_messages(messages)
        stops = [s for s in (stop or self.stop or []) if s]
        hold = max(map(len, stops), default=1) - 1  # a stop sequence may be arriving: hold its length back
        text, sent = "", 0
        pieces = backend.stream(prompt, kwargs.get("max_tokens", self.max_tokens))
        try:
            for piece in pieces:
                text += piece
                cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
                if cut >= 0:
                    text = text[:cut]
                safe = len(text) if cut >= 0 else max(sent, len(text) - hold)
                if safe > sent:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=text[sent:safe]))
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
                    sent = safe
                if cut >= 0:
                    break
        finally:
            pieces.close()  # type: ignore[attr-defined]  # stops the generation
        if len(text) > sent:
            yield ChatGenerationChunk(message=AIMessageChunk(content=text[sent:]))
        usage = UsageMetadata(  # type: ignore[typeddict-item]
            input_tokens=backend.prompt_tokens(prompt), output_tokens=backend.count_tokens(text), total_tokens=0
        )
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata=usage,
                chunk_position="last",
                response_metadata={"model_name": model or self.model_name, "model_provider": "longdoc"},
            )
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        chunks = list(self._stream(messages, stop=stop, run_manager=run_manager, **kwargs))
        last = chunks[-1].message
        message = AIMessage(
            content="".join(c.message.content for c in chunks),  # type: ignore[misc]
            usage_metadata=last.usage_metadata,  # type: ignore[attr-defined]
            response_metadata=last.response_metadata,
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
