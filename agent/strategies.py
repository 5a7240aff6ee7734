"""How a question is answered: which passages the model reads. Each strategy returns the passages
(page-tagged, in document order) that the answer is written from, and why.

`direct`: every page, when the document fits the model's measured window.
`rag`: the best chunks of the hybrid index that fit a token budget.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.document import Document

from .errors import UnknownStrategyError

STRATEGIES = ("auto", "direct", "rag")
ANSWER_RESERVE = 160  # prompt scaffolding (system message, tags, question) beside the passages


@dataclass(frozen=True)
class Passage:
    """A span of Document.text given to the model (a page or a chunk)."""

    text: str
    page: int
    page_label: str
    char_start: int
    char_end: int


def page_passages(document: Document) -> list[Passage]:
    return [Passage(p.text, p.number, p.label, p.char_start, p.char_end) for p in document.pages if p.text.strip()]


def choose(requested: str, document_tokens: int, question_tokens: int, window: int, max_new_tokens: int) -> tuple[str, str]:
    """(strategy, reason)."""
    if requested not in STRATEGIES:
        raise UnknownStrategyError(f"unknown strategy {requested!r}; choose from {', '.join(STRATEGIES)}")
    room = window - question_tokens - max_new_tokens - ANSWER_RESERVE
    if requested != "auto":
        return requested, f"asked for {requested}"
    if document_tokens <= room:
        return "direct", f"the document ({document_tokens:,} tokens) fits the {window:,}-token window ({room:,} left for it)"
    return "rag", f"the document ({document_tokens:,} tokens) is over the {room:,} tokens the {window:,}-token window leaves: retrieve"


def rag_passages(index, question: str, budget: int, count_tokens, k: int = 30) -> tuple[list, list[Passage]]:
    """(hits, passages): the best chunks, in rank order, while they fit `budget` tokens; the
    passages in document order so the model reads them as they were written."""
    hits, used = [], 0
    for hit in index.search(question, k=k):
        cost = count_tokens(hit.text) + 12  # + the passage tag
        if used + cost > budget:
            if hits:
                break
            continue  # even the first is too long: try the next
        hits.append(hit)
        used += cost
    passages = sorted((Passage(h.text, h.page, h.page_label, h.char_start, h.char_end) for h in hits), key=lambda p: p.char_start)
    return hits, passages


def search_query(question: str) -> str:
    """The question without the wording of a request ("please tell me ..."), for retrieval."""
    return re.sub(r"^\s*(please\s+)?(tell me|can you tell me|i want to know)\s*", "", question, flags=re.I)
