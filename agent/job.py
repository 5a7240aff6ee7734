"""One question on one document, as every strategy sees it, and the budgets they share.

Token costs of prompt scaffolding live here, once: a passage's tag, the room the system message
and question take beside the passages, the room a question must leave for the document.
"""

from __future__ import annotations

import time
from collections.abc import Container
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Callable

from retrieval.document import Document
from retrieval.spans import Span

from .events import Step, Trace
from .question import Request, request

if TYPE_CHECKING:
    from .backends import Backend

TAG_TOKENS = 12  # a passage's tag and page label in a prompt
ANSWER_RESERVE = 160  # the system message, tags and the question beside the passages
QUESTION_ROOM = 256  # what a question and its answer must leave for the document in the window
READ_SHARE = 4  # a strategy's passages fill at most 1/READ_SHARE of the window (small models lose facts in long ones)


@dataclass(frozen=True)
class Passage:
    """A span of Document.text given to the model (a page, a chunk, a sentence)."""

    text: str
    page: int
    page_label: str
    char_start: int
    char_end: int
    header: str = ""  # a table's header row when the span starts below it: shown before the text


@dataclass
class Job:
    """One question on one document."""

    document: Document
    question: str
    backend: Backend
    index: Callable  # () -> DocumentIndex, built on first call
    budget: int  # tokens of passages the answer may read
    max_new_tokens: int
    concurrency: int
    reader: str = "generative"  # "extractive": answers are the document's own sentences (small models)
    read_limit: int = 32_000  # `auto` reads every part (parallel) only of documents up to this many tokens
    repeated: Container[str] = frozenset()  # sentences the documents compared with this one say too (evidence.Echoes)
    trace: Trace = field(default_factory=Trace)

    @cached_property
    def asked(self) -> Request:
        """The question split into what it asks, how to answer and where to look (once a job)."""
        return request(self.question)

    def step(self, name: str, since: float, prompt_tokens: int = 0, output_tokens: int = 0, detail: str = "") -> Step:
        step = Step(name, time.perf_counter() - since, prompt_tokens, output_tokens, detail)
        self.trace.steps.append(step)
        return step


@dataclass(frozen=True)
class Situation:
    """What `auto` knows of a job before anything is read: the question, the document's size, and
    the room the model's window leaves it beside the question, the answer and the scaffolding."""

    question: str
    document_tokens: int
    window: int
    room: int
    read_limit: int
    reader: str = "generative"

    @classmethod
    def of(cls, job: Job) -> Situation:
        question_tokens, window = job.backend.count_tokens(job.question), job.backend.window
        room = window - question_tokens - job.max_new_tokens - ANSWER_RESERVE
        return cls(job.question, job.trace.document_tokens, window, room, job.read_limit, job.reader)

    @property
    def size(self) -> str:
        return f"the document ({self.document_tokens:,} tokens)"

    @property
    def not_whole(self) -> str:
        """Why the document is not read whole: too long, or a reader that reads sentences."""
        if self.document_tokens > self.room:
            return f"{self.size} is over the {self.room:,} tokens the {self.window:,}-token window leaves"
        return (
            f"{self.size}, read by an extractive reader (a small model answers better from ranked sentences than "
            "from a whole document)"
        )


@dataclass(frozen=True)
class Strategy:
    """One way of answering, owning its whole answer. Under `auto`: `routes(situation)` is why it
    is taken (None: not this one; no `routes`: asked for by name only); `declines(situation)` is
    what the chosen one's reason adds when the question called for this one but it cannot run;
    `follows(job, answer)` is why it should answer after an attempt of one of `after` (None: that
    answer stands)."""

    name: str
    help: str  # a few words for the command line and the app
    answer: Callable  # (job) -> events ending in Done
    routes: Callable[[Situation], str | None] | None = None
    declines: Callable[[Situation], str] | None = None
    follows: Callable | None = None  # (job, answer) -> str | None
    after: tuple[str, ...] = ()


def page_passages(document: Document) -> list[Passage]:
    return [Passage(p.text, p.number, p.label, p.char_start, p.char_end) for p in document.pages if p.text.strip()]


def as_passage(span: Span) -> Passage:
    """A search hit, chunk or evidence sentence as a passage."""
    return Passage(span.text, span.page, span.page_label, span.char_start, span.char_end, span.header)


def fit_budget(items, budget: int, count_tokens) -> list:
    """The leading items (chunks, passages) whose text fits `budget` tokens; one too long to fit
    is skipped, not allowed to end the list."""
    chosen: list = []
    used = 0
    for item in items:
        cost = count_tokens(item.text) + TAG_TOKENS
        if used + cost > budget:
            if chosen:
                break
            continue
        chosen.append(item)
        used += cost
    return chosen


def consecutive_groups(items, limit: int, size) -> list[list]:
    """Consecutive items grouped while their `size(item)` sum stays within `limit` (a larger item alone)."""
    groups: list = []
    current: list = []
    used = 0
    for item in items:
        if current and used + size(item) > limit:
            groups.append(current)
            current, used = [], 0
        current.append(item)
        used += size(item)
    return groups + [current] if current else groups
