"""Language-model backends behind one small interface: stream text for chat messages, count tokens.

`LocalBackend`: a `transformers` model through longctx (default: the embedded SmolLM2, offline).
`LangChainBackend`: any langchain-core `BaseChatModel`.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator, Protocol

from .errors import BackendError
from .windows import effective_window, settings_key


class Backend(Protocol):
    name: str
    window: int  # tokens the model really reads (prompt + answer)
    window_source: str

    def count_tokens(self, text: str) -> int: ...

    def prompt_tokens(self, messages: list[dict]) -> int: ...

    def stream(self, messages: list[dict], max_new_tokens: int) -> Iterator[str]: ...


class LocalBackend:
    def __init__(self, model=None, tokenizer=None, *, model_name: str | None = None, window: int | None = None):
        import longctx

        if model is None:
            model, tokenizer = longctx.load_model(model_name)
        self.model, self.tokenizer = model, tokenizer
        self.name = Path(model_name).stem if model_name else "SmolLM2-135M-Instruct"
        state = longctx.dca_state(model)
        nominal = (state.config.max_length if state and state.config.max_length else model.config.max_position_embeddings)
        if window:
            self.window, self.window_source = window, "given"
        else:
            self.window, self.window_source = effective_window(self.name, settings_key(model), nominal)
        self.max_length = nominal
        self._lock = threading.Lock()  # one generation at a time on one model

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _prompt_ids(self, messages: list[dict]):
        import torch

        ids = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=False)
        return ids if isinstance(ids, torch.Tensor) else torch.tensor([ids])

    def prompt_tokens(self, messages: list[dict]) -> int:
        return self._prompt_ids(messages).shape[1]

    def stream(self, messages: list[dict], max_new_tokens: int) -> Iterator[str]:
        import torch
        from transformers import TextIteratorStreamer

        ids = self._prompt_ids(messages).to(self.model.device)
        if ids.shape[1] + max_new_tokens > self.max_length:
            raise BackendError(f"prompt of {ids.shape[1]} tokens is over this model's {self.max_length}-token limit")
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        failure = []

        def generate():
            try:
                with torch.no_grad():
                    self.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                                        do_sample=False, streamer=streamer,
                                        pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id)
            except Exception as error:  # surfaced to the reader below
                failure.append(error)
                streamer.end()

        with self._lock:
            thread = threading.Thread(target=generate, daemon=True)
            thread.start()
            yield from streamer
            thread.join()
        if failure:
            raise BackendError(f"generation failed: {failure[0]}") from failure[0]


class LangChainBackend:
    """Any langchain-core BaseChatModel. `window` is the model's context; tokens are counted with
    `tokenizer` (a transformers tokenizer) when given, else estimated."""

    def __init__(self, chat_model, *, window: int = 8192, tokenizer=None):
        self.chat_model = chat_model
        self.name = type(chat_model).__name__
        self.window, self.window_source = window, "given"
        self.tokenizer = tokenizer

    def count_tokens(self, text: str) -> int:
        if self.tokenizer is not None:
            return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        from retrieval.tokens import estimate_tokens

        return estimate_tokens(text)

    def prompt_tokens(self, messages: list[dict]) -> int:
        return sum(self.count_tokens(m["content"]) + 4 for m in messages)

    def stream(self, messages: list[dict], max_new_tokens: int) -> Iterator[str]:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
        converted = [kinds[m["role"]](content=m["content"]) for m in messages]
        try:
            for chunk in self.chat_model.stream(converted):  # length: the chat model's own setting
                if isinstance(chunk.content, str) and chunk.content:
                    yield chunk.content
        except Exception as error:
            raise BackendError(f"{self.name} failed: {error}") from error
