"""What a needle run tests: `model` (the whole haystack in the long-context window) or `agent`
(`Agent.ask` over the haystack as a document). A target counts tokens with its own tokenizer,
names its model and settings, and answers one question about one haystack."""

from __future__ import annotations

import time

from retrieval.tokens import token_counter


class ModelTarget:
    """A `transformers` model read whole: the haystack as the document in its chat template."""

    kind = "model"

    def __init__(self, model, tokenizer, model_name: str | None = None, max_new_tokens: int = 64):
        from agent.windows import model_key, settings_key
        from longctx import dca_state

        self.model, self.tokenizer, self.max_new_tokens = model, tokenizer, max_new_tokens
        self.name, self.settings = model_key(model_name), settings_key(model)
        self.counter = token_counter(tokenizer)
        state = dca_state(model)
        # DCA: the length its settings accept. A plain RoPE model takes any length (that is what
        # the test measures); only memory bounds it.
        self.max_tokens = state.config.max_length if state else None

    @classmethod
    def load(
        cls,
        model_name: str | None = None,
        long_context: str = "auto",
        chunk_size: int | None = None,
        local_size: int | None = None,
        max_new_tokens: int = 64,
        dtype: str | None = None,
        temperature: float | None = None,
    ) -> "ModelTarget":
        """`long_context`: "auto" (longctx's preset for the model) or "plain"; `chunk_size`,
        `local_size` and `temperature` (the coefficient c of mscale = c·ln(L/window) + 1; 0: none)
        replace the preset's where given. `dtype`: "float32", "bfloat16"... (default: bfloat16 on a
        GPU, float32 on CPU)."""
        import torch

        import longctx

        if long_context not in ("auto", "plain"):
            raise ValueError(f"long_context must be 'auto' or 'plain', not {long_context!r}")
        model, tokenizer = longctx.load_model(
            model_name,
            long_context=None if long_context == "plain" else "auto",
            dtype=getattr(torch, dtype) if dtype else None,
        )
        if (chunk_size or local_size or temperature is not None) and (state := longctx.dca_state(model)):
            config = state.config.with_(
                chunk_size=chunk_size or state.config.chunk_size,
                local_size=local_size or state.config.local_size,
                scale_attention=True if temperature is None else temperature > 0,
                temperature_coefficient=state.config.temperature_coefficient if temperature is None else temperature,
            )
            longctx.remove(model)
            longctx.apply(model, config)
        return cls(model, tokenizer, model_name, max_new_tokens)

    def answer(self, haystack: str, question: str) -> dict:
        from longctx.reading import answer, chat_input_ids

        prompt_tokens = int(chat_input_ids(self.tokenizer, haystack, question).shape[1])
        start = time.perf_counter()
        output = answer(self.model, self.tokenizer, haystack, question, max_new_tokens=self.max_new_tokens)
        return {"output": output, "seconds": round(time.perf_counter() - start, 2), "prompt_tokens": prompt_tokens}


class AgentTarget:
    """`Agent.ask` on the haystack as a text document; its index is built (dense part too) before
    the clock of the answer starts, and timed apart."""

    kind = "agent"
    max_tokens = None  # documents of any length: beyond the window, the agent retrieves

    def __init__(self, agent, strategy: str = "auto", max_new_tokens: int = 96):
        self.agent, self.strategy, self.max_new_tokens = agent, strategy, max_new_tokens
        backend = agent.backend
        self.name = backend.name
        self.settings = f"agent-{strategy}-window-{backend.window}"
        # the backend's tokenizer where it has one; else retrieval's estimate (within ~10%)
        self.counter = token_counter(getattr(backend, "tokenizer", None))

    def answer(self, haystack: str, question: str) -> dict:
        from retrieval import DocumentIndex, load_document

        start = time.perf_counter()
        document = load_document(haystack.encode("utf-8"), filename="haystack.txt")
        index = DocumentIndex.build(document, embedder=self.agent.embedder)
        built = time.perf_counter()
        answer = self.agent.ask(index, question, strategy=self.strategy, max_new_tokens=self.max_new_tokens)
        return {
            "output": answer.text,
            "seconds": round(time.perf_counter() - built, 2),
            "index_seconds": round(built - start, 2),
            "strategy": answer.strategy,
            "prompt_tokens": sum(step.prompt_tokens for step in answer.trace.steps),  # all model calls
            "citations": [[c.char_start, c.char_end] for c in answer.citations],
        }
