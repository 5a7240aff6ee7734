"""`Agent`: one model, many documents and questions. `ask_stream` yields events; `ask` collects."""
from __future__ import annotations

import os
import queue
import threading
import time
from pathlib import Path
from typing import Iterator

from retrieval.analysis import terms
from retrieval.document import Document, load_document
from retrieval.index import DocumentIndex
from retrieval.tokens import estimate_tokens

from .citations import NOT_FOUND, supporting_citations
from .errors import EmptyQuestionError, QuestionTooLongError
from .events import Answer, CitationEvent, Done, Event, Progress, Retrieved, Token, Trace
from .prompts import question_messages
from .runaway import reply_end, settled
from .multihop import chain_continues, multihop
from .parallel import parallel
from .strategies import Job, Reading, choose, page_passages, rag, sub_questions
from .summary import summary

NO_SUPPORT = "(No passage of the document supports this answer.)"


def direct(job: Job):
    yield Progress("retrieve", 1.0, "the whole document")
    return Reading(page_passages(job.document))


RUN = {"direct": direct, "rag": rag, "parallel": parallel, "multihop": multihop, "summary": summary}


class Agent:
    """Holds a backend (default: the embedded model, loaded on first use) and built indexes."""

    def __init__(self, backend=None, *, cache_dir: str | os.PathLike | None = None, embedder="default",
                 rag_budget: int | None = None, focus_budget: int = 320, read_limit: int = 32_000,
                 concurrency: int = 4):
        self._backend = backend
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else None
        self.embedder = embedder
        # passage tokens an answer reads; default a quarter of the model's measured window (at most
        # 2,048): small models pick the wrong one of several similar facts in longer contexts
        self.rag_budget = rag_budget
        # rag first reads only the retrieved sentences that match the question best (0: off)
        self.focus_budget = focus_budget
        self.read_limit = read_limit  # auto reads every chunk (parallel) only of documents up to this size
        self.concurrency = concurrency  # model calls at once in parallel and summary (remote backends)
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
        """Events while answering: Progress, Retrieved (the passages read), Token, CitationEvent,
        and last Done with the Answer. When `auto` escalates (rag found no support: multihop),
        a Progress("strategy") event says so and the tokens after it are a new answer."""
        if not isinstance(question, str) or not question.strip():
            raise EmptyQuestionError("the question is empty; ask something about the document")
        if strategy == "auto" and len(parts := sub_questions(question)) > 1:
            yield from self._one_by_one(doc, parts, max_new_tokens)
            return
        start = time.perf_counter()
        yield Progress("load", 0.0)
        document, index = self._document(doc)
        backend = self.backend  # the first call loads the model
        job = Job(document, question, backend, lambda: index or self._index(document), 0, max_new_tokens,
                  self.concurrency, self.focus_budget)
        job.step("load", start, detail=f"{document.name}, model {backend.name}")
        yield Progress("load", 1.0, document.name)
        start = time.perf_counter()
        question_tokens = backend.count_tokens(question)
        if question_tokens + max_new_tokens + 256 > backend.window:
            raise QuestionTooLongError(
                f"the question is {question_tokens:,} tokens; with the answer it leaves no room for the document in "
                f"the model's {backend.window:,}-token window. Shorten it."
            )
        trace = job.trace
        trace.window = backend.window
        budget = self.rag_budget or min(2048, backend.window // 4)
        job.budget = min(budget, backend.window - question_tokens - max_new_tokens - 256)
        # the model's tokenizer is slow on millions of characters; the estimate is within ~10% there
        trace.document_tokens = (backend.count_tokens if len(document.text) < 400_000 else estimate_tokens)(document.text)
        chosen, reason = choose(strategy, question, trace.document_tokens, question_tokens, backend.window,
                                max_new_tokens, self.read_limit)
        trace.strategy_reason = f"{reason}; window from {backend.window_source}"
        job.step("choose", start, detail=trace.strategy_reason)
        yield Progress("strategy", 1.0, f"{chosen}: {reason}")

        if chosen in ("parallel", "multihop", "summary", "rag") and index is None:
            yield from self._build_index(job)
        reading = yield from RUN[chosen](job)
        # rag's evidence must name what the question names (a look-alike fact cites as well);
        # other strategies read whole chains or documents, whose cited link may not
        names = job.names if chosen == "rag" else frozenset()
        text, citations = yield from self._write(job, reading, names)
        if not citations and reading.wider:
            trace.strategy_reason += "; the focused sentences did not support an answer: read the chunks"
            yield Progress("strategy", 1.0, f"{chosen}: the focused sentences did not support an answer; "
                                            f"reading {len(reading.wider)} chunks")
            text, citations = yield from self._write(job, Reading(reading.wider), names)
        if strategy == "auto" and chosen == "rag" and (
                why := "the retrieved passages did not support an answer" if not citations else chain_continues(job, citations)):
            chosen, reason = "multihop", f"{why}: follow the chain"
            trace.strategy_reason += f"; then {reason}"
            yield Progress("strategy", 1.0, f"{chosen}: {reason}")
            reading = yield from RUN[chosen](job)
            text, citations = yield from self._write(job, reading)
        supported = bool(citations)
        if not supported and not NOT_FOUND.search(text):
            text = f"{text}\n\n{NO_SUPPORT}" if text else NO_SUPPORT
        yield Progress("answer", 1.0)
        yield Done(Answer(text, citations, chosen, trace, supported))

    def _one_by_one(self, doc, questions: list[str], max_new_tokens: int) -> Iterator[Event]:
        """Several questions asked at once: each answered on its own (small models answer one
        question of three), then the answers together, numbered."""
        answers = []
        document, index = self._document(doc)
        for n, question in enumerate(questions, start=1):
            yield Progress("strategy", 1.0, f"question {n} of {len(questions)}: {question}")
            for event in self.ask_stream(index or document, question, max_new_tokens=max_new_tokens):
                if isinstance(event, Done):
                    answers.append(event.answer)
                    index = index or self._indexes.get(document.id)
                else:
                    yield event
            yield Token("\n")
        trace = Trace(f"{len(questions)} questions in one: answered one by one "
                      f"({'; '.join(a.trace.strategy_reason for a in answers)})",
                      answers[0].trace.document_tokens, answers[0].trace.window,
                      [step for a in answers for step in a.trace.steps])
        text = "\n".join(f"{n}. {a.text}" for n, a in enumerate(answers, start=1))
        strategy = "+".join(dict.fromkeys(a.strategy for a in answers))
        yield Done(Answer(text, [c for a in answers for c in a.citations], strategy, trace,
                          all(a.supported for a in answers)))

    def _write(self, job: Job, reading: Reading, names: set[str] = frozenset()):
        """Stream the answer from what the strategy read; (text, verified citations), the
        citations naming one of `names` when given (supporting_citations). After a chain
        (multihop), an answer short of its end is replaced by the chain's own sentences."""
        yield Retrieved(tuple(reading.passages))
        messages = reading.messages or question_messages(reading.passages, job.question)
        start = time.perf_counter()
        prompt_tokens = job.backend.prompt_tokens(messages)
        yield Progress("answer", 0.0, f"reading {prompt_tokens:,} tokens")
        text, shown, stream = "", 0, job.backend.stream(messages, job.max_new_tokens)
        try:
            for piece in stream:
                text += piece
                if reply_end(text) is not None:  # a loop or an echoed prompt: stop generating
                    break
                if (ready := settled(text)) > shown:
                    yield Token(text[shown:ready])
                    shown = ready
        finally:
            stream.close()
        if (end := reply_end(text, finished=True)) is not None:
            text = text[:end]
        if len(text) > shown:
            yield Token(text[shown:])
        text = text.strip()
        job.step("answer", start, prompt_tokens, job.backend.count_tokens(text) if text else 0)
        citations = supporting_citations(job.document, reading.passages, job.question, text, names=names)
        if reading.chain_end and not reading.chain_end & set(terms(text)):
            why = "the written answer stops before the chain's end: the answer is the chain's sentences"
            job.trace.strategy_reason += f"; {why}"
            yield Progress("strategy", 1.0, why)
            text, citations = " ".join(f.quote for f in reading.chain), list(reading.chain)
            yield Token(text)
        for citation in citations:
            yield CitationEvent(citation)
        return text, citations

    def _build_index(self, job: Job):
        """Build (or reopen) the index in a thread, relaying its progress as events."""
        events: queue.Queue = queue.Queue()
        result: list = []

        def build():
            try:
                result.append(self._index(job.document, lambda stage, f: events.put(Progress(f"index {stage}", f))))
            except BaseException as error:  # re-raised in the caller's thread
                result.append(error)
            events.put(None)

        start = time.perf_counter()
        threading.Thread(target=build, daemon=True, name="longdoc-index").start()
        while (event := events.get()) is not None:
            yield event
        if isinstance(result[0], BaseException):
            raise result[0]
        job.step("index", start, detail=f"{len(result[0])} chunks")

    def _document(self, doc) -> tuple[Document, DocumentIndex | None]:
        if isinstance(doc, DocumentIndex):
            self._indexes[doc.document.id] = doc
            return doc.document, doc
        if isinstance(doc, Document):
            return doc, self._indexes.get(doc.id)
        document = load_document(doc, cache_dir=self.cache_dir)
        return document, self._indexes.get(document.id)

    def _index(self, document: Document, progress=None) -> DocumentIndex:
        index = self._indexes.get(document.id)
        if index is None:
            # BM25 now; the dense index joins in the background and serves later questions.
            index = DocumentIndex.build(document, embedder=self.embedder, cache_dir=self.cache_dir, background=True,
                                        progress=progress)
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
