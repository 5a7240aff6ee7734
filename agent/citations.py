"""Citations checked against the document: a quote counts only if it occurs on the cited page
(whitespace ignored), and only sentences that carry the answer's own content support it; with
an `about` check, only sentences about what the question asks (a sentence that merely holds the
answer's words, "... not the buildings, but the people ...", does not)."""

import re

from retrieval.analysis import terms
from retrieval.document import Document
from retrieval.sentences import sentence_spans

from .events import Citation
from .question import YES_NO

CLAUSE = re.compile(r"[.;,:]\s+|\s+(?:and|but|while|whereas)\s+|\n+")
NOT_FOUND = re.compile(
    r"\bnot (?:be )?found\b|\bno (?:information|answer|mention)\b|\bdoes not (?:say|mention|contain)\b", re.I
)


def locate(document: Document, page: int, quote: str, within: tuple[int, int] | None = None) -> Citation | None:
    """The quote's exact span on page `page` (1-based), matching any whitespace; None if absent.
    `within`: document offsets to look in (a passage: the same line may occur elsewhere too)."""
    words = quote.split()
    if not words or not 1 <= page <= len(document.pages):
        return None
    p = document.pages[page - 1]
    a, b = (max(within[0], p.char_start), min(within[1], p.char_end)) if within else (p.char_start, p.char_end)
    match = re.compile(r"\s+".join(map(re.escape, words))).search(document.text, a, b)
    if match is None:
        return None
    start, end = match.start(), match.end()
    return Citation(p.number, p.label, document.text[start:end], start, end)


def find_quote(document: Document, passages, quote: str) -> Citation | None:
    """The quote inside one of `passages` (whitespace ignored), verified on the document."""
    for passage in passages:
        citation = locate(document, passage.page, quote, (passage.char_start, passage.char_end))
        if citation is not None:
            return citation
    return None


def supporting_citations(
    document: Document, passages, question: str, answer: str, limit: int = 5, about=None
) -> list[Citation]:
    """Sentences of `passages` holding most of what the answer adds to the question, verified.

    What the answer adds (its terms that the question lacks: the value, the name) must appear in
    the sentence; an answer that only restates the question, or says nothing was found, has none.
    A yes or no claims the question itself. The answer as a whole is cited first, then each of its
    clauses ("A is 1, and B is 2") alone,
    since one sentence of the document rarely holds several facts. With `about(sentence) ->
    bool`, a sentence (with the one before it) must be about what the question asks.
    """
    if NOT_FOUND.search(answer):
        return []
    asked = set(terms(question))
    numbers = set()  # that a sentence must hold all of
    if YES_NO.match(answer):  # "Yes." claims what the question asks: cite the sentence that says it, its numbers too
        answer, asked = f"{question} {YES_NO.sub('', answer, count=1)}", set()
        numbers = {t for t in terms(question) if any(ch.isdigit() for ch in t)}
    claims = [answer] + (clauses if len(clauses := [c for c in CLAUSE.split(answer) if c.strip()]) > 1 else [])
    sentences = []
    for passage in passages:
        spans = sentence_spans(passage.text)
        for i, (a, b) in enumerate(spans):
            before = passage.text[spans[i - 1][0] : spans[i - 1][1]] if i else ""
            sentences.append((passage, passage.text[a:b], set(terms(passage.text[a:b])), before))
    citations = []
    for claim in claims:
        new = set(terms(claim)) - asked
        if not new:
            continue
        candidates = [s for s in sentences if (about is None or about(f"{s[3]} {s[1]}")) and numbers <= s[2]]
        best = max(candidates, key=lambda s: len(new & s[2]), default=None)  # the first of equals
        if best is None or len(new & best[2]) < 0.5 * len(new):
            continue
        citation = locate(document, best[0].page, best[1], (best[0].char_start, best[0].char_end))
        if citation is not None and citation not in citations:
            citations.append(citation)
        if len(citations) == limit:
            break
    return sorted(citations, key=lambda c: c.char_start)
