"""Citations checked against the document: a quote counts only if it occurs on the cited page
(whitespace ignored), and only sentences that carry the answer's own content support it."""
import re

from retrieval.analysis import terms
from retrieval.chunking import UNIT_BOUNDARY
from retrieval.document import Document

from .events import Citation

CLAUSE = re.compile(r"[.;,:]\s+|\s+(?:and|but|while|whereas)\s+|\n+")
PRONOUN = re.compile(r"(?:he|she|it|they|his|her|its|their|this|these)\b", re.I)
NOT_FOUND = re.compile(r"\bnot (?:be )?found\b|\bno (?:information|answer|mention)\b|\bdoes not (?:say|mention|contain)\b", re.I)


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


def key_words(question: str) -> list[str]:
    """The question's names and codes: words capitalised past its first, or holding a digit
    (a possessive's 's dropped). They tell the asked fact from its look-alikes ("the vault code
    of the Quawymir branch" among fifty branches' codes)."""
    words = (re.sub(r"['’]s$", "", w) for w in re.findall(r"[\w'’-]+", question)[1:])
    return [w for w in words if w[:1].isupper() or any(c.isdigit() for c in w)]


def distinctive_names(document: Document, question: str, most: int = 5) -> set[str]:
    """The question's rarest names in the document, found in at most `most` places: what an
    answer's evidence must name ("Griquafen", not "Saturday", of "... the Griquafen bakery sell
    on a Saturday?"). The report's own subject, named on every page, is not one of them."""
    found = {w: len(re.findall(rf"(?<!\w){re.escape(w)}(?!\w)", document.text, re.I)) for w in key_words(question)}
    found = {w: n for w, n in found.items() if 0 < n <= most}
    return {t for w, n in found.items() if n == min(found.values()) for t in terms(w)}


def supporting_citations(document: Document, passages, question: str, answer: str, limit: int = 5,
                         names: set[str] = frozenset()) -> list[Citation]:
    """Sentences of `passages` holding most of what the answer adds to the question, verified.

    What the answer adds (its terms that the question lacks: the value, the name) must appear in
    the sentence; an answer that only restates the question, or says nothing was found, has none.
    The answer as a whole is cited first, then each of its clauses ("A is 1, and B is 2") alone,
    since one sentence of the document rarely holds several facts. With `names`
    (distinctive_names), a cited sentence (or the one before, when it starts with a pronoun)
    must name one of them, else
    nothing supports the answer: its value came from a look-alike fact about something else.
    """
    if NOT_FOUND.search(answer):
        return []
    asked = set(terms(question))
    claims = [answer] + (clauses if len(clauses := [c for c in CLAUSE.split(answer) if c.strip()]) > 1 else [])
    sentences = [(passage, passage.text[a:b], set(terms(passage.text[a:b]))) for passage in passages
                 for a, b in sentence_spans(passage.text)]
    citations, named = [], False
    for claim in claims:
        new = set(terms(claim)) - asked
        if not new:
            continue
        i, best = max(enumerate(sentences), key=lambda s: len(new & s[1][2]), default=(0, None))  # first of equals
        if best is None or len(new & best[2]) < 0.5 * len(new):
            continue
        citation = locate(document, best[0].page, best[1], (best[0].char_start, best[0].char_end))
        if citation is not None and citation not in citations:
            citations.append(citation)
            refers = PRONOUN.match(best[1].lstrip())  # "She sells 88 pies": the name is in the sentence before
            before = sentences[i - 1][2] if refers and i and sentences[i - 1][0] is best[0] else set()
            named = named or bool(names & (best[2] | before))
        if len(citations) == limit:
            break
    if names and not named:
        return []
    return sorted(citations, key=lambda c: c.char_start)


def sentence_spans(text: str):
    previous = 0
    for match in UNIT_BOUNDARY.finditer(text):
        if match.start() > previous and text[previous : match.start()].strip():
            yield previous, match.start()
        previous = match.end()
    if text[previous:].strip():
        yield previous, len(text)
