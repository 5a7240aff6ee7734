"""How a question is answered: which passages the model reads, and how they were found.

`direct`: every page, when the document fits the model's measured window.
`rag`: the best chunks of the hybrid index that fit a token budget.
`parallel` (parallel.py), `multihop` (multihop.py), `summary` (summary.py): several model calls.

Each strategy is a generator: it yields events (progress, trace steps) and returns a `Reading`,
the passages the final answer is written from (and, for `summary`, the prompt itself).
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

from retrieval.analysis import terms
from retrieval.document import Document

from .citations import distinctive_names, sentence_spans
from .errors import UnknownStrategyError
from .events import Progress, Step, Trace

STRATEGIES = ("auto", "direct", "rag", "parallel", "multihop", "summary")
ANSWER_RESERVE = 160  # prompt scaffolding (system message, tags, question) beside the passages

# Whole-document questions: no passage answers them, every part of the document does.
SUMMARY_CUE = re.compile(
    r"\b(summari[sz]e|summary|overview|outline|tl;?dr|main (?:points|ideas|topics|themes|findings|arguments)"
    r"|key (?:points|takeaways|findings)|what (?:is|are) (?:this|the) (?:document|text|book|paper|report|file)s? about)\b", re.I)
# Questions over every mention: retrieval's top chunks can miss some, reading every chunk does not.
LISTING_CUE = re.compile(r"\b(list (?:all|every|each|the)|enumerate|how many times|every (?:\w+ )?(?:mentioned|named|listed)"
                         r"|all (?:the |of the )?\w+ (?:mentioned|named|listed|that|which|who))\b", re.I)
# Questions that name a thing through another one ("the X of the Y that ..."): follow the chain.
CHAIN_CUE = re.compile(r"\b(?:whose|of the \w+(?: \w+)? (?:who|that|which|where))\b", re.I)


@dataclass(frozen=True)
class Passage:
    """A span of Document.text given to the model (a page or a chunk)."""

    text: str
    page: int
    page_label: str
    char_start: int
    char_end: int


@dataclass
class Reading:
    passages: list[Passage]
    messages: list[dict] | None = None  # None: the usual question prompt over `passages`
    wider: list[Passage] | None = None  # read these instead when the answer from `passages` has no support
    chain: list = field(default_factory=list)  # multihop's verified findings (Citations), in hop order
    chain_end: frozenset = frozenset()  # what only the last finding adds: an answer reaching the end holds one


@dataclass
class Job:
    """One question on one document, as the strategies see it."""

    document: Document
    question: str
    backend: object
    index: Callable  # () -> DocumentIndex, built on first call
    budget: int  # tokens of passages the final answer may read
    max_new_tokens: int
    concurrency: int
    focus_budget: int = 0  # tokens of best-matching sentences rag reads first (0: off)
    trace: Trace = field(default_factory=Trace)

    @cached_property
    def names(self) -> set[str]:
        """The question's rarest names in the document (distinctive_names): what tells the asked
        fact from look-alikes, for retrieval, focus, multihop's first finding and rag's citations."""
        return distinctive_names(self.document, self.question)

    def step(self, name: str, since: float, prompt_tokens: int = 0, output_tokens: int = 0, detail: str = "") -> Step:
        step = Step(name, time.perf_counter() - since, prompt_tokens, output_tokens, detail)
        self.trace.steps.append(step)
        return step


def page_passages(document: Document) -> list[Passage]:
    return [Passage(p.text, p.number, p.label, p.char_start, p.char_end) for p in document.pages if p.text.strip()]


def hit_passage(hit) -> Passage:
    """A search hit or a chunk as a passage."""
    return Passage(hit.text, hit.page, hit.page_label, hit.char_start, hit.char_end)


def sub_questions(question: str) -> list[str]:
    """Several questions asked at once ("What is A? Where is B?"), one by one; else [question]."""
    parts = [p.strip() for p in re.findall(r"[^?]+\?", question) if len(p.split()) >= 3]
    rest = re.sub(r"[^?]+\?", "", question).strip()
    return parts if len(parts) >= 2 and not rest else [question]


def choose(requested: str, question: str, document_tokens: int, question_tokens: int, window: int,
           max_new_tokens: int, read_limit: int) -> tuple[str, str]:
    """(strategy, reason)."""
    if requested not in STRATEGIES:
        raise UnknownStrategyError(f"unknown strategy {requested!r}; choose from {', '.join(STRATEGIES)}")
    if requested != "auto":
        return requested, f"asked for {requested}"
    room = window - question_tokens - max_new_tokens - ANSWER_RESERVE
    size = f"the document ({document_tokens:,} tokens)"
    if document_tokens <= room:
        return "direct", f"{size} fits the {window:,}-token window ({room:,} left for it)"
    over = f"{size} is over the {room:,} tokens the {window:,}-token window leaves"
    if SUMMARY_CUE.search(question):
        return "summary", f"{over}, and the question is about the whole document: map-reduce"
    if LISTING_CUE.search(question):
        if document_tokens <= read_limit:
            return "parallel", f"{over}, and the question asks for every mention: read each chunk ({read_limit:,}-token limit)"
        reason = f"; a listing question, but reading every chunk is over the {read_limit:,}-token limit"
    else:
        reason = ""
    if CHAIN_CUE.search(question):
        return "multihop", f"{over}, and the question names one thing through another: follow the chain{reason}"
    return "rag", f"{over}: retrieve{reason}"


def fit_budget(hits, budget: int, count_tokens) -> list:
    """The leading hits (chunks or passages) whose text fits `budget` tokens; one too long to
    fit is skipped, not allowed to end the list."""
    chosen, used = [], 0
    for hit in hits:
        cost = count_tokens(hit.text) + 12  # + the passage tag
        if used + cost > budget:
            if chosen:
                break
            continue
        chosen.append(hit)
        used += cost
    return chosen


def sentences_around(passage: Passage, spans: list[tuple[int, int]], i: int, context: int) -> Passage:
    """The part of `passage` from `context` sentences before its sentence `i` to `context` after
    (`spans`: its sentence spans)."""
    a, b = spans[max(0, i - context)][0], spans[min(len(spans) - 1, i + context)][1]
    return Passage(passage.text[a:b], passage.page, passage.page_label, passage.char_start + a, passage.char_start + b)


def consecutive_groups(items, limit: int, size) -> list[list]:
    """Consecutive items grouped while their `size(item)` sum stays within `limit` (a larger item alone)."""
    groups, current, used = [], [], 0
    for item in items:
        if current and used + size(item) > limit:
            groups.append(current)
            current, used = [], 0
        current.append(item)
        used += size(item)
    return groups + [current] if current else groups


def rag(job: Job, k: int = 30):
    """The best chunks for the question within the budget, in document order; with a focus
    budget, first only their sentences that match the question best (the chunks are the wider
    reading, when the focused answer finds no support)."""
    start = time.perf_counter()
    index = job.index()
    hits = fit_budget(naming_first(index.search(search_query(job.question), k=k), job.names), job.budget,
                      job.backend.count_tokens)
    passages = sorted(map(hit_passage, hits), key=lambda p: p.char_start)
    focused = focus(passages, job.question, index.bm25, job.focus_budget, job.backend.count_tokens, job.names)
    detail = (f"{len(hits)} chunks, dense {'on' if index.dense_ready else 'not ready'}"
              + (f"; focus on {len(focused)} spans" if focused else ""))
    job.step("retrieve", start, detail=detail)
    yield Progress("retrieve", 1.0, detail)
    return Reading(focused, wider=passages) if focused else Reading(passages)


def naming_first(hits: list, names: set[str]) -> list:
    """The hits that name one of `names` (distinctive_names) first, each group in rank order:
    fifty look-alike facts outrank, together, the one chunk naming the asked thing."""
    return sorted(hits, key=lambda h: not names & set(terms(h.text))) if names else hits


def focus(passages: list[Passage], question: str, bm25, budget: int, count_tokens, names: set[str] = frozenset(),
          context: int = 1) -> list[Passage]:
    """The sentences of `passages` sharing the rarest question terms, each with `context`
    sentences either side, best first while they fit `budget` tokens, then in document order;
    [] when nothing matches or the budget is 0.

    A small reader given 2,000 tokens of look-alike facts ("the vault code of branch A is ...",
    of branch B ...) answers from the wrong one; given the sentence naming branch A, it does not.
    A term weighs its idf in the document, so the name outweighs "vault" and "code"; with `names`
    (Job.names), only sentences naming one of them are read, when any does.
    """
    if budget <= 0:
        return []
    n = bm25.weights.shape[0]
    weight = {t: math.log1p((n - df + 0.5) / (df + 0.5)) for t in set(terms(question)) if (df := bm25.document_frequency(t))}
    scored = []  # (score, passage, sentence index, spans)
    for passage in passages:
        spans = list(sentence_spans(passage.text))
        for i, (a, b) in enumerate(spans):
            score = sum(weight.get(t, 0.0) for t in set(terms(passage.text[a:b])))
            if score > 0:
                scored.append((score, passage, i, spans))
    if not scored:
        return []
    if names:
        scored = [s for s in scored if names & set(terms(s[1].text[slice(*s[3][s[2]])]))] or scored
    scored.sort(key=lambda s: -s[0])  # stable: reading order among equals
    best, chosen, used = scored[0][0], [], 0
    for score, passage, i, spans in scored:
        if score < 0.5 * best:
            break
        span = sentences_around(passage, spans, i, context)
        if any(s.char_start < span.char_end and span.char_start < s.char_end for s in chosen):
            continue  # overlaps a span already chosen (a neighbour's context)
        cost = count_tokens(span.text) + 12
        if used + cost > budget:
            break
        chosen.append(span)
        used += cost
    return sorted(chosen, key=lambda p: p.char_start)


def search_query(question: str) -> str:
    """The question without the wording of a request ("please tell me ..."), for retrieval."""
    return re.sub(r"^\s*(please\s+)?(tell me|can you tell me|i want to know)\s*", "", question, flags=re.I)
