"""`Agent`: one model, many documents and questions. `ask_stream` yields events; `ask` collects."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterator

from retrieval.document import Document, load_document
from retrieval.index import DocumentIndex
from retrieval.tokens import estimate_tokens

from .citations import NOT_FOUND, supporting_citations
from .errors import EmptyQuestionError, QuestionTooLongError
from .events import Answer, CitationEvent, Done, Event, Progress, Retrieved, Step, Token, Trace
from .prompts import question_messages
from .strategies import choose, page_passages, rag_passages, search_query

NO_SUPPORT = "(No passage of the document supports this answer.)"


class Agent:
    """Holds a backend (default: the embedded model, loaded on first use) and built indexes."""

    def __init__(self, backend=None, *, cache_dir: str | os.PathLike | None = None, embedder="default",
                 rag_budget: int = 2048):
        self._backend = backend
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else None
        self.embedder = embedder
        self.rag_budget = rag_budget  # passage tokens for rag: small models read short contexts best
        self._indexes: dict[str, DocumentIndex] = {}

    @property
    def backend(self):
        if self._backend is None:
            from .backends import LocalBackend

            self._backend = LocalBackend()
        return self._backend

    def ask(self, doc, question: str, **options) -> Answer:
        answer = None
        for event in self.ask_stream(doc, question, **options):
            if isinstance(event, Done):
                answer = event.answer
        return answer

    def ask_stream(self, doc, question: str, *, strategy: str = "auto", max_new_tokens: int = 96) -> Iterator[Event]:
        if not isinstance(question, str) or not question.strip():
            raise EmptyQuestionError("the question is empty; ask something about the document")
        trace = Trace()
        start = time.perf_counter()
        yield Progress("load", 0.0)
        document, index = self._document(doc)
        backend = self.backend  # the first call loads the model
        trace.steps.append(Step("load", time.perf_counter() - start, detail=f"{document.name}, model {backend.name}"))
        yield Progress("load", 1.0, document.name)
        start = time.perf_counter()
        question_tokens = backend.count_tokens(question)
        if question_tokens + max_new_tokens + 256 > backend.window:
            raise QuestionTooLongError(
                f"the question is {question_tokens:,} tokens; with the answer it leaves no room for the document in "
                f"the model's {backend.window:,}-token window. Shorten it."
            )
        trace.window = backend.window
        # the model's tokenizer is slow on millions of characters; the estimate is within ~10% there
        trace.document_tokens = (backend.count_tokens if len(document.text) < 400_000 else estimate_tokens)(document.text)
        chosen, reason = choose(strategy, trace.document_tokens, question_tokens, backend.window, max_new_tokens)
        trace.strategy_reason = f"{reason}; window from {backend.window_source}"
        trace.steps.append(Step("choose", time.perf_counter() - start, detail=trace.strategy_reason))
        yield Progress("strategy", 1.0, f"{chosen}: {reason}")

        step_start = time.perf_counter()
        if chosen == "direct":
            passages = page_passages(document)
        else:
            index = index or self._index(document)
            budget = min(self.rag_budget, backend.window - question_tokens - max_new_tokens - 256)
            hits, passages = rag_passages(index, search_query(question), budget, backend.count_tokens)
            trace.steps.append(Step("retrieve", time.perf_counter() - step_start,
                                    detail=f"{len(hits)} chunks, dense {'on' if index.dense_ready else 'not ready'}"))
        yield Retrieved(tuple(passages))

        messages = question_messages(passages, question)
        step_start = time.perf_counter()
        prompt_tokens = backend.prompt_tokens(messages)
        yield Progress("answer", 0.0, f"reading {prompt_tokens:,} tokens")
        pieces = []
        for piece in backend.stream(messages, max_new_tokens):
            pieces.append(piece)
            yield Token(piece)
        text = "".join(pieces).strip()
        trace.steps.append(Step("answer", time.perf_counter() - step_start, prompt_tokens,
                                backend.count_tokens(text) if text else 0))

        citations = supporting_citations(document, passages, question, text)
        for citation in citations:
            yield CitationEvent(citation)
        supported = bool(citations)
        if not supported and not NOT_FOUND.search(text):
            text = f"{text}\n\n{NO_SUPPORT}" if text else NO_SUPPORT
        yield Progress("answer", 1.0)
        yield Done(Answer(text, citations, chosen, trace, supported))

    def _document(self, doc) -> tuple[Document, DocumentIndex | None]:
        if isinstance(doc, DocumentIndex):
            self._indexes[doc.document.id] = doc
            return doc.document, doc
        if isinstance(doc, Document):
            return doc, self._indexes.get(doc.id)
        document = load_document(doc, cache_dir=self.cache_dir)
        return document, self._indexes.get(document.id)

    def _index(self, document: Document) -> DocumentIndex:
        index = self._indexes.get(document.id)
        if index is None:
            # BM25 now; the dense index joins in the background and serves later questions.
            index = DocumentIndex.build(document, embedder=self.embedder, cache_dir=self.cache_dir, background=True)
            self._indexes[document.id] = index
        return index


_default: Agent | None = None


def default_agent() -> Agent:
    global _default
    if _default is None:
        _default = Agent(cache_dir=Path.home() / ".cache" / "longdoc")
    return _default


def ask(doc, question: str, **options) -> Answer:
    """Answer `question` about `doc` (a path, bytes, text, Document or DocumentIndex)."""
    return default_agent().ask(doc, question, **options)


def ask_stream(doc, question: str, **options) -> Iterator[Event]:
    return default_agent().ask_stream(doc, question, **options)
