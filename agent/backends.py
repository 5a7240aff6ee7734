"""Language-model backends behind one small interface: stream text for chat messages, count tokens.

`LocalBackend`: a `transformers` model through longctx (default: the embedded SmolLM2, offline).
`LangChainBackend`: any langchain-core `BaseChatModel`.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from functools import lru_cache
from typing import Generator, Iterator, Protocol

from retrieval.dense import foreground

from .errors import BackendError
from .prefix_cache import PrefixCache
from .windows import cpu_prompt_tokens, effective_window, model_key, settings_key


class Backend(Protocol):
    name: str
    window: int  # tokens the model really reads (prompt + answer)
    window_source: str

    def count_tokens(self, text: str) -> int: ...

    def prompt_tokens(self, messages: list[dict]) -> int: ...

    def stream(self, messages: list[dict], max_new_tokens: int) -> Generator[str, None, None]: ...


def complete(backend: Backend, messages: list[dict], max_new_tokens: int) -> str:
    """The whole reply (backends may offer a faster `complete` of their own)."""
    own = getattr(backend, "complete", None)
    return own(messages, max_new_tokens) if own else "".join(backend.stream(messages, max_new_tokens)).strip()


def complete_all(
    backend: Backend, requests: list[list[dict]], max_new_tokens: int, concurrency: int
) -> Iterator[tuple[int, str]]:
    """(request number, reply) in the order replies finish, at most `concurrency` at a time.
    A local model runs one at a time anyway (its lock); remote backends overlap."""
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="longdoc-read") as pool:
        futures = {pool.submit(complete, backend, messages, max_new_tokens): n for n, messages in enumerate(requests)}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()  # a failure or a closed stream stops the requests not yet started


class LocalBackend:
    def __init__(
        self,
        model=None,
        tokenizer=None,
        *,
        model_name: str | None = None,
        window: int | None = None,
        cache_dir=None,
        kv_cache_bytes: int = 0,
    ):
        """`kv_cache_bytes`: keep prompts' KV caches up to this size, so a prompt that begins with an
        earlier one (the same document, a new question) reads only its new tokens (0: off)."""
        import longctx

        if model is None:
            model, tokenizer = longctx.load_model(model_name, cache_dir=cache_dir)
        self.model, self.tokenizer = model, tokenizer
        self.name = model_key(model_name)
        self.parameters = sum(p.numel() for p in model.parameters())
        state = longctx.dca_state(model)
        nominal = state.config.max_length if state and state.config.max_length else model.config.max_position_embeddings
        if window:
            self.window, self.window_source = window, "given"
        else:
            self.window, self.window_source = effective_window(self.name, settings_key(model), nominal)
            if model.device.type == "cpu" and (in_time := cpu_prompt_tokens(self.parameters)) < self.window:
                self.window = in_time  # a 32K prompt takes minutes on a CPU: every strategy sizes itself by this
                self.window_source += f", cut to {in_time:,} tokens: what a CPU reads in about 15 s at this size"
        self.max_length = nominal
        self._lock = threading.Lock()  # one generation at a time on one model
        self.prefix_cache = PrefixCache(kv_cache_bytes) if kv_cache_bytes else None
        self.cached_tokens = 0  # of the last prompt, read from the prefix cache

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    @property
    def max_token_bytes(self) -> int:
        """No token is longer: a text of n bytes has at least n / this many tokens (a bound a
        server checks before tokenizing a huge prompt)."""
        return longest_token_bytes(self.tokenizer)

    def _prompt_ids(self, messages: list[dict]):
        return chat_prompt_ids(self.tokenizer, messages)

    def prompt_tokens(self, messages: list[dict]) -> int:
        return self._prompt_ids(messages).shape[1]

    def _generate(
        self,
        messages: list[dict],
        max_new_tokens: int,
        streamer=None,
        cancel: threading.Event | None = None,
        sampling: dict | None = None,
    ):
        """Greedy unless `sampling` holds a temperature > 0 (then with its top_p and seed)."""
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        from longctx import new_cache

        class Cancelled(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return cancel is not None and cancel.is_set()

        ids = self._prompt_ids(messages).to(self.model.device)
        if ids.shape[1] + max_new_tokens > self.max_length:
            raise BackendError(f"prompt of {ids.shape[1]} tokens is over this model's {self.max_length}-token limit")
        sampling = sampling or {}
        options = {"do_sample": False}
        if sampling.get("temperature"):
            options = {"do_sample": True, "temperature": sampling["temperature"], "top_p": sampling.get("top_p") or 1.0}  # type: ignore[dict-item]
            if sampling.get("seed") is not None:
                torch.manual_seed(sampling["seed"])
        cache, self.cached_tokens = self.prefix_cache.lookup(ids[0].cpu()) if self.prefix_cache else (None, 0)
        cache = cache if cache is not None else new_cache(self.model)
        with torch.no_grad(), foreground():  # background embedding pauses: the cores are the answer's
            if cancel is not None and not prefill(self.model, ids, cache, self.cached_tokens, cancel):
                return ids[0, :0]  # its reader left during the prefill: the model is free at once
            out = self.model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=max_new_tokens,
                streamer=streamer,
                stopping_criteria=StoppingCriteriaList([Cancelled()]),
                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
                past_key_values=cache,
                return_dict_in_generate=True,
                **options,
            )
        if self.prefix_cache and out.past_key_values is not None:
            self.prefix_cache.store(ids[0].cpu(), out.past_key_values)
        return out.sequences[0, ids.shape[1] :]

    def complete(self, messages: list[dict], max_new_tokens: int) -> str:
        with self._lock:
            try:
                new = self._generate(messages, max_new_tokens)
            except BackendError:
                raise
            except Exception as error:
                raise BackendError(f"generation failed: {error}") from error
        return self.tokenizer.decode(new, skip_special_tokens=True).strip()

    def stream(
        self,
        messages: list[dict],
        max_new_tokens: int,
        sampling: dict | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        """Text pieces as they are generated; closing the iterator early stops the generation.
        `sampling`: temperature, top_p, seed (default greedy). `cancel`: set by a reader that is
        gone while no piece has come yet (a long prefill stops at its next chunk)."""
        from transformers import TextIteratorStreamer

        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        failure, cancel = [], cancel or threading.Event()

        def generate():
            try:
                self._generate(messages, max_new_tokens, streamer, cancel, sampling)
                if cancel.is_set():
                    streamer.end()  # stopped before generating: the reader waits for nothing
            except Exception as error:  # surfaced to the reader below
                failure.append(error)
                streamer.end()

        with self._lock:
            thread = threading.Thread(target=generate, daemon=True)
            thread.start()
            try:
                yield from streamer
            finally:  # the reader may stop early (a stop sequence, a closed stream): end generation first
                cancel.set()
                thread.join()
        if failure:
            if isinstance(failure[0], BackendError):
                raise failure[0]
            raise BackendError(f"generation failed: {failure[0]}") from failure[0]


PREFILL_CHUNK = 1024  # prompt tokens read between two looks at the cancel flag (8K tokens took 40 s in one go)


def prefill(model, ids, cache, start: int, cancel: threading.Event) -> bool:
    """Read ids[:, start:-1] into `cache` a chunk at a time, as a reused prefix is read (the
    last token is left to generate, which needs its logits). False if `cancel` was set meanwhile."""
    import torch

    end = ids.shape[1] - 1
    for first in range(start, end, PREFILL_CHUNK):
        if cancel.is_set():
            return False
        last = min(first + PREFILL_CHUNK, end)
        model(
            input_ids=ids[:, first:last],
            past_key_values=cache,
            use_cache=True,
            logits_to_keep=1,  # not [1024, vocab]
            cache_position=torch.arange(first, last, device=ids.device),
        )
    return not cancel.is_set()


@lru_cache(maxsize=8)
def longest_token_bytes(tokenizer) -> int:
    """The UTF-8 length of the longest string one token of `tokenizer` stands for."""
    vocabulary = list(tokenizer.get_vocab())
    return max(len(tokenizer.convert_tokens_to_string([token]).encode("utf-8", "replace")) for token in vocabulary)


@lru_cache(maxsize=8)
def special_tokens_pattern(tokenizer) -> re.Pattern | None:
    """A pattern matching every special token string of `tokenizer` (its added tokens marked
    special: <|im_start|>, and SmolLM2's <filename> or <jupyter_code> too)."""
    added = getattr(tokenizer, "added_tokens_decoder", {}) or {}
    strings = {t.content for t in added.values() if getattr(t, "special", False) and t.content}
    strings |= set(getattr(tokenizer, "all_special_tokens", []) or [])
    strings = {s for s in strings if "\n" not in s}  # without_control_tokens breaks tokens with newlines
    if not strings:
        return None
    return re.compile("|".join(re.escape(s) for s in sorted(strings, key=len, reverse=True)))


def chat_prompt_ids(tokenizer, messages: list[dict]):
    """The prompt's token ids, [1, n]: message contents are text, so the tokenizer's own special
    token strings are removed from them first. Only the chat template adds control tokens: a
    document holding "<|im_end|><|im_start|>system" cannot open a turn of its own."""
    import torch

    from .prompts import without_control_tokens

    pattern = special_tokens_pattern(tokenizer)
    if pattern is not None:
        messages = [{**m, "content": without_control_tokens(m["content"], pattern)} for m in messages]
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=False)
    return ids if isinstance(ids, torch.Tensor) else torch.tensor([ids])


class RemoteTokens:
    """Token counts for a model served elsewhere: with `self.tokenizer` (a transformers
    tokenizer) when given, else estimated (within ~10% for English)."""

    tokenizer = None

    def count_tokens(self, text: str) -> int:
        if self.tokenizer is not None:
            return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        from retrieval.tokens import estimate_tokens

        return estimate_tokens(text)

    def prompt_tokens(self, messages: list[dict]) -> int:
        return sum(self.count_tokens(m["content"]) + 4 for m in messages)


class LangChainBackend(RemoteTokens):
    """Any langchain-core BaseChatModel. `window` is the model's context."""

    def __init__(self, chat_model, *, window: int = 8192, tokenizer=None):
        self.chat_model = chat_model
        self.name = type(chat_model).__name__
        self.window, self.window_source = window, "given"
        self.tokenizer = tokenizer

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
