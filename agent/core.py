"""`Agent`: one model, many documents and questions. `ask_stream` yields events; `ask` collects."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Container
from pathlib import Path
from typing import Iterator

from retrieval.cache import DEFAULT_CACHE_DIR
from retrieval.document import Document, load_document
from retrieval.index import DocumentIndex
from retrieval.tokens import estimate_tokens

from .collection import Collection
from .conversation import history_of, standalone_question
from .errors import AgentError, QuestionTooLongError
from .events import Answer, Done, Event, Progress, Step, Token, Trace
from .job import QUESTION_ROOM, READ_SHARE, Job
from .question import checked, sub_questions
from .strategies import route

# parameters: smaller local models answer with the document's own sentences. SmolLM2 (135M) quotes
# better than it writes; the embedded Qwen (630M as loaded) writes with twice the citation precision
# and refuses more (docs/benchmarks/realdocs-check-qwen*.md), and only a writer computes
EXTRACTIVE_BELOW = 400_000_000


class Agent:
    """Holds a backend (default: the embedded model, loaded on first use) and built indexes."""

    def __init__(
        self,
        backend=None,
        *,
        cache_dir: str | os.PathLike | None = None,
        embedder="default",
        rag_budget: int | None = None,
        read_limit: int = 32_000,
        concurrency: int = 4,
        reader: str = "auto",
        max_indexes: int = 8,
    ):
        self._backend = backend
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else None
        self.embedder = embedder
        # passage tokens an answer reads: default a quarter of the model's measured window (small
        # models pick the wrong one of several similar facts in longer contexts; a large window reads more)
        self.rag_budget = rag_budget
        self.read_limit = read_limit  # auto reads every part (parallel) only of documents up to this size
        self.concurrency = concurrency  # model calls at once in parallel and summary (remote backends)
        self.reader = reader  # "extractive", "generative" or "auto" (extractive for local models under 400M parameters)
        # built indexes by document id, the most recently used last; at most `max_indexes` kept
        # (a server answering many documents must not hold every one it ever read)
        self._indexes: OrderedDict[str, DocumentIndex] = OrderedDict()
        self.max_indexes = max_indexes

    @property
    def backend(self):
        if self._backend is None:
            from .backends import LocalBackend

            self._backend = LocalBackend(cache_dir=self.cache_dir)
        return self._backend

    def reader_for(self, backend) -> str:
        if self.reader != "auto":
            return self.reader
        parameters = getattr(backend, "parameters", None)
        return "extractive" if parameters is not None and parameters < EXTRACTIVE_BELOW else "generative"

    def ask(self, doc, question: str, **options) -> Answer:
        answer = None
        for event in self.ask_stream(doc, question, **options):
            if isinstance(event, Done):
                answer = event.answer
        if answer is None:  # ask_stream ends with Done or raises
            raise AgentError("the answer ended without a result")
        return answer

    def ask_stream(
        self,
        doc,
        question: str,
        *,
        history=None,
        strategy: str = "auto",
        max_new_tokens: int = 96,
        repeated: Container[str] = frozenset(),
    ) -> Iterator[Event]:
        """Events while answering: Progress, Retrieved (the passages read), Token, CitationEvent,
        and last Done with the Answer. The tokens are the answer's: an attempt `auto` abandons
        shows only as Progress("strategy"). `history`: the conversation's earlier (question,
        answer) pairs; a follow-up is answered as the standalone question it means
        (Progress("standalone") and the trace's `question` show it). `repeated`: what documents
        compared with this one say too (`evidence.Echoes`), ranked last: a collection passes it."""
        question = checked(question)  # bounded before any rule reads it
        if _is_collection(doc):  # several documents, a folder: asked together
            collection = doc if isinstance(doc, Collection) else Collection(doc, agent=self)
            yield from collection.ask_stream(
                question, history=history, strategy=strategy, max_new_tokens=max_new_tokens
            )
            return
        past, rewrite = history_of(history), None
        if past.turns:
            document, index = self._document(doc)  # read first: a referent it mentions throughout is no help
            doc = index or document  # and not parsed again below
            since, backend = time.perf_counter(), self.backend  # the rewrite's step times the rewrite alone
            question, how = standalone_question(
                question, past, backend, self.reader_for(backend) == "generative", document.text
            )
            if how:
                rewrite = Step("standalone", time.perf_counter() - since, detail=f"{how}: {question}")
                yield Progress("standalone", 1.0, question)
        if strategy == "auto" and len(parts := sub_questions(question)) > 1:
            yield from self._one_by_one(doc, parts, max_new_tokens)
            return
        start = time.perf_counter()
        yield Progress("load", 0.0)
        document, index = self._document(doc)
        backend = self.backend  # the first call loads the model
        question_tokens = backend.count_tokens(question)
        if question_tokens + max_new_tokens + QUESTION_ROOM > backend.window:
            raise QuestionTooLongError(
                f"the question is {question_tokens:,} tokens; with the answer it leaves no room for the document in "
                f"the model's {backend.window:,}-token window. Shorten it."
            )
        budget = min(
            self.rag_budget or backend.window // READ_SHARE,
            backend.window - question_tokens - max_new_tokens - QUESTION_ROOM,
        )
        job = Job(
            document,
            question,
            backend,
            lambda: index or self._index(document),
            budget,
            max_new_tokens,
            self.concurrency,
            self.reader_for(backend),
            self.read_limit,
            repeated=repeated,
        )
        job.trace.question = question
        job.trace.steps += [rewrite] if rewrite else []
        job.step("load", start, detail=f"{document.name}, model {backend.name}, {job.reader} reader")
        yield Progress("load", 1.0, document.name)
        job.trace.window = backend.window
        # the model's tokenizer is slow on millions of characters; the estimate is within ~10% there
        job.trace.document_tokens = (backend.count_tokens if len(document.text) < 400_000 else estimate_tokens)(
            document.text
        )
        if strategy != "direct" and index is None:
            yield from self._build_index(job)
        yield from route(job, strategy)

    def _one_by_one(self, doc, questions: list[str], max_new_tokens: int) -> Iterator[Event]:
        """Several questions asked at once: each answered on its own (small models answer one
        question of three), then the answers together, numbered."""
        answers = []
        document, index = self._document(doc)
        for n, question in enumerate(questions, start=1):
            yield Progress("strategy", 1.0, f"question {n} of {len(questions)}: {question}")
            yield Token(f"{n}. ")
            for event in self.ask_stream(index or document, question, max_new_tokens=max_new_tokens):
                if isinstance(event, Done):
                    answers.append(event.answer)
                    index = index or self._cached_index(document.id)
                else:
                    yield event
            yield Token("\n")
        trace = Trace(
            f"{len(questions)} questions in one: answered one by one "
            f"({'; '.join(a.trace.strategy_reason for a in answers)})",
            answers[0].trace.document_tokens,
            answers[0].trace.window,
            [step for a in answers for step in a.trace.steps],
            " ".join(questions),
        )
        text = "\n".join(f"{n}. {a.text}" for n, a in enumerate(answers, start=1))
        strategy = "+".join(dict.fromkeys(a.strategy for a in answers))
        yield Done(
            Answer(text, [c for a in answers for c in a.citations], strategy, trace, all(a.supported for a in answers))
        )

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
            self._keep(doc)
            return doc.document, doc
        if isinstance(doc, Document):
            return doc, self._cached_index(doc.id)
        document = load_document(doc, cache_dir=self.cache_dir)
        return document, self._cached_index(document.id)

    def index_of(self, document: Document) -> DocumentIndex | None:
        """The index built for `document`, if any (its dense part may still be building)."""
        return self._cached_index(document.id)

    def _cached_index(self, document_id: str) -> DocumentIndex | None:
        index = self._indexes.get(document_id)
        if index is not None:
            self._indexes.move_to_end(document_id)
        return index

    def _keep(self, index: DocumentIndex) -> None:
        self._indexes[index.document.id] = index
        self._indexes.move_to_end(index.document.id)
        while len(self._indexes) > self.max_indexes:
            self._indexes.popitem(last=False)

    def index_for(self, document: Document, progress=None) -> DocumentIndex:
        """`document`'s index: kept, reopened from the cache, or built (BM25 now, dense in the background)."""
        return self._index(document, progress)

    def _index(self, document: Document, progress=None) -> DocumentIndex:
        index = self._cached_index(document.id)
        if index is None:
            # BM25 now; the dense index joins in the background and serves later questions.
            index = DocumentIndex.build(
                document, embedder=self.embedder, cache_dir=self.cache_dir, background=True, progress=progress
            )
            self._keep(index)
        return index


def _is_collection(doc) -> bool:
    """A list of sources, a Collection, or a folder's path."""
    if isinstance(doc, (list, tuple, Collection)):
        return True
    if not isinstance(doc, (str, os.PathLike)) or len(str(doc)) >= 4096 or "\n" in str(doc):
        return False
    try:
        return Path(doc).is_dir()
    except (OSError, ValueError):  # a name too long for a path, a NUL: text, not a folder
        return False


_default: Agent | None = None


def default_agent() -> Agent:
    global _default
    if _default is None:
        _default = Agent(cache_dir=DEFAULT_CACHE_DIR)
    return _default


def ask(doc, question: str, **options) -> Answer:
    """Answer `question` about `doc` (a path, bytes, text, Document or DocumentIndex)."""
    return default_agent().ask(doc, question, **options)


def ask_stream(doc, question: str, **options) -> Iterator[Event]:
    return default_agent().ask_stream(doc, question, **options)
