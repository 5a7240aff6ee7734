"""Citations checked against the document: a quote counts only if it occurs on the cited page
(whitespace ignored), and only sentences that carry the answer's own content support it."""
import re

from retrieval.analysis import terms
from retrieval.chunking import UNIT_BOUNDARY
from retrieval.document import Document

from .events import Citation

NOT_FOUND = re.compile(r"\bnot (?:be )?found\b|\bno (?:information|answer|mention)\b|\bdoes not (?:say|mention|contain)\b", re.I)


def locate(document: Document, page: int, quote: str) -> Citation | None:
    """The quote's exact span on page `page` (1-based), matching any whitespace; None if absent."""
    words = quote.split()
    if not words or not 1 <= page <= len(document.pages):
        return None
    p = document.pages[page - 1]
    match = re.search(r"\s+".join(map(re.escape, words)), p.text)
    if match is None:
        return None
    start, end = p.char_start + match.start(), p.char_start + match.end()
    return Citation(p.number, p.label, document.text[start:end], start, end)


def supporting_citations(document: Document, passages, question: str, answer: str, limit: int = 3) -> list[Citation]:
    """Sentences of `passages` holding most of what the answer adds to the question, verified.

    What the answer adds (its terms that the question lacks: the value, the name) must appear in
    the sentence; an answer that only restates the question, or says nothing was found, has none.
    """
    if NOT_FOUND.search(answer):
        return []
    new = set(terms(answer)) - set(terms(question))
    if not new:
        return []
    scored = []
    for passage in passages:
        for start, end in _sentences(passage.text):
            sentence = passage.text[start:end]
            share = len(new & set(terms(sentence))) / len(new)
            if share >= 0.5:
                scored.append((share, -len(scored), passage, sentence))
    citations = []
    for _, _, passage, sentence in sorted(scored, key=lambda s: s[:2], reverse=True):
        citation = locate(document, passage.page, sentence)
        if citation is not None and citation not in citations:
            citations.append(citation)
        if len(citations) == limit:
            break
    return citations


def _sentences(text: str):
    previous = 0
    for match in UNIT_BOUNDARY.finditer(text):
        if match.start() > previous and text[previous : match.start()].strip():
            yield previous, match.start()
        previous = match.end()
    if text[previous:].strip():
        yield previous, len(text)
