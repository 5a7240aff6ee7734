"""Evidence: the sentences of the retrieved chunks that answer a question, best first.

A sentence ranks by what it shares with the question, seen two ways: its words (the question's
terms it holds, each weighted by its idf in the document, as BM25 weighs them) and its meaning
(the MiniLM cosine of sentence and question), the two rankings fused by reciprocal rank (k=60:
on the real-document tune set, top-1 0.71 against 0.63 for words alone and 0.53 for meaning
alone; letting a sentence borrow its neighbours' scores, or a smaller k, measured worse).
Page furniture (a running header or footer: the same line on many pages) is never evidence.
Nothing here depends on a language's grammar: terms are the index's own (stems, CJK
characters), meaning is the embedder's.
"""

from __future__ import annotations

import bisect
import re
from collections import OrderedDict
from collections.abc import Container
from dataclasses import dataclass

import numpy as np

from retrieval.analysis import terms
from retrieval.index import RRF_K  # a sentence fair on both views beats one first on one
from retrieval.sentences import sentence_spans
from retrieval.tables import CELL_SEPARATOR, header_at, table_blocks, with_header

from .cells import YEAR
from .job import Passage
from .question import ASKS_PERSON, names_beyond, value_kind

NUMBER = re.compile(r"\d+")
SHORT = 6  # words: a shorter sentence is quoted with the ones around it
TYPED_POOL = 5  # of the best sentences, the first holding the value asked for answers
FURNITURE_SHARE = 0.1  # a line on this share of the pages (and at least 3) is a running header or footer
ECHO_SHARE = 0.8  # of a sentence's word triples another document says: the same sentence, reworded (Echoes)
MONTH = (  # en, de, fr, es, with the usual abbreviations
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr"
    r"|jun|jul|aug|sept?|oct|nov|dec|januar|februar|märz|mai|juni|juli|oktober|dezember|janvier|février|mars"
    r"|avril|juin|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio"
    r"|agosto|septiembre|octubre|noviembre|diciembre)\b\.?"
)
# what the same sentence says differently in each period's report: its dates and years
PERIOD = re.compile(rf"\b\d{{1,2}}\.?\s+(?:de\s+)?{MONTH}|\b{MONTH}\s+\d{{1,2}}\b|{YEAR.pattern}", re.I)


@dataclass(frozen=True)
class Sentence:
    """A sentence of the document: `text == document.text[char_start:char_end]`."""

    text: str
    page: int
    page_label: str
    char_start: int
    char_end: int
    header: str = ""  # a table row's header row (ranked with it: the row alone has no column names)

    @property
    def searched(self) -> str:
        return with_header(self.header, self.text)

    @property
    def label(self) -> str:
        """A table row's first cell (what the row is about); "" for a sentence outside a table."""
        return self.text.split(CELL_SEPARATOR, 1)[0] if self.header else ""


def _line_key(text: str) -> str:
    """A line as furniture is recognised: case, digits (page numbers) and spacing ignored."""
    return " ".join(re.sub(r"\d+", "#", text.lower()).split())


_CACHED: OrderedDict[str, object] = OrderedDict()  # per document: its furniture, its pages' sentence spans


def _cached(key: str, make):
    if key not in _CACHED:
        _CACHED[key] = make()
        while len(_CACHED) > 4096:
            _CACHED.popitem(last=False)
    _CACHED.move_to_end(key)
    return _CACHED[key]


def furniture(document) -> frozenset:
    """Keys of the lines that repeat on many pages of `document` (running headers and footers)."""

    def find():
        pages = {}
        for page in document.pages:
            for key in {_line_key(line) for line in page.text.splitlines() if line.strip()}:
                pages[key] = pages.get(key, 0) + 1
        least = max(3, FURNITURE_SHARE * len(document.pages))
        # a line without letters is furniture only as a bare page number: "2020." ends a sentence
        return frozenset(k for k, n in pages.items() if n >= least and (k == "#" or any(c.isalpha() for c in k)))

    return _cached(f"{document.id}|furniture", find)


def page_sentences(document, number: int) -> list[Sentence]:
    """The sentences of page `number` (1-based), without its furniture, in order."""
    return _page(document, number)[0]


def _page(document, number: int) -> tuple[list[Sentence], list[int]]:
    """(the page's sentences, their ends)."""

    def find():
        page, skip = document.pages[number - 1], furniture(document)
        out, tables = [], table_blocks(page.text)
        for a, b in sentence_spans(page.text):
            if skip:
                a, b = _without_furniture(page.text, a, b, skip)
            if b > a:
                out.append(
                    Sentence(
                        page.text[a:b],
                        page.number,
                        page.label,
                        page.char_start + a,
                        page.char_start + b,
                        header_at(tables, a),
                    )
                )
        return out, [s.char_end for s in out]

    return _cached(f"{document.id}|{number}", find)


def sentences_of(chunks, document) -> list[Sentence]:
    """The sentences of `document` that overlap `chunks` (objects with .page, .char_start,
    .char_end), in document order, each once. Sentences are cut from whole pages: a chunk may
    end inside one ("... by September 21," / "2020."), its sentence goes on."""
    found: dict = {}
    for chunk in chunks:
        sentences, ends = _page(document, chunk.page)
        i = bisect.bisect_right(ends, chunk.char_start)
        while i < len(sentences) and sentences[i].char_start < chunk.char_end:
            found.setdefault(sentences[i].char_start, sentences[i])
            i += 1
    return [found[start] for start in sorted(found)]


def _without_furniture(text: str, a: int, b: int, skip: frozenset) -> tuple[int, int]:
    """The span with its leading and trailing furniture lines cut off (a header wraps into the
    page's first sentence when nothing ends it)."""
    lines = [m.span() for m in re.finditer(r"[^\n]+", text[a:b])]
    while lines and _line_key(text[a + lines[0][0] : a + lines[0][1]]) in skip:
        lines.pop(0)
    while lines and _line_key(text[a + lines[-1][0] : a + lines[-1][1]]) in skip:
        lines.pop()
    if not lines:
        return a, a
    x, y = a + lines[0][0], a + lines[-1][1]
    while x < y and text[x].isspace():
        x += 1
    return x, y


def term_weights(index, question: str) -> dict[str, float]:
    """The question's terms, each weighted by its idf among the document's snippets."""
    return {t: idf for t in set(terms(question)) if (idf := index.bm25.idf(t))}


def lexical_scores(index, question: str, sentences: list[Sentence]) -> np.ndarray:
    """Per sentence, the idf weight of the question's terms it holds (with its table's header and
    caption). A table row counts in proportion to how much of its label the question names: asked
    for "total liabilities", the row "Total liabilities" is the one, not "Total deferred tax liabilities"."""
    weights = term_weights(index, question)
    asked = set(terms(question))
    out = np.empty(len(sentences), dtype=np.float64)
    for i, s in enumerate(sentences):
        out[i] = sum(weights.get(t, 0.0) for t in set(terms(s.searched)))
        if s.header and CELL_SEPARATOR in s.text:
            label = set(terms(s.label))
            out[i] *= 0.5 + 0.5 * len(label & asked) / len(label) if label else 0.5
    return out


def dense_scores(index, question: str, sentences: list[Sentence]) -> np.ndarray | None:
    """Cosines of question and sentences under the index's embedder (None without one)."""
    if index.embedder is None or not sentences:
        return None
    # a table row by its label alone: under its caption and header every row of a table reads alike
    vectors = index.embedder.encode([question] + [s.label if s.header else s.searched for s in sentences])
    return (vectors[1:] @ vectors[0]).astype(np.float64)


def _ranks(scores: np.ndarray) -> np.ndarray:
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.arange(len(scores))
    return ranks


def rank(
    index, question: str, sentences: list[Sentence], repeated: Container[str] = frozenset()
) -> list[tuple[Sentence, float]]:
    """`sentences` best first with their fused scores (reciprocal-rank fusion of the lexical and,
    where the index has an embedder, the dense view); first of all, the table row the question
    names (`names_the_row`); last, those `repeated` (`Echoes`: what the documents compared with
    this one say too)."""
    if not sentences:
        return []
    lexical = lexical_scores(index, question, sentences)
    fused = 1.0 / (RRF_K + 1 + _ranks(lexical))
    dense = dense_scores(index, question, sentences)
    if dense is not None:
        fused += 1.0 / (RRF_K + 1 + _ranks(dense))
    fused[lexical <= 0] *= 0.5  # a sentence sharing no word with the question: meaning alone is weaker evidence
    named = names_the_row(index, question, repeated)
    for i in np.argsort(-fused, kind="stable") if named else []:
        if named(sentences[i]):  # the cell asked for, before prose repeating the question's words
            fused[i] = fused.max() + 1e-6
            break
    order = list(np.argsort(-fused, kind="stable"))
    if repeated:  # the same words in every report cannot tell them apart: a disclaimer, a heading, a policy
        order.sort(key=lambda i: sentences[i].text in repeated)
    return [(sentences[i], float(fused[i])) for i in order]


def names_the_row(index, question: str, repeated: Container[str]):
    """A check that a table row is the one the question asks for, or None when no row can be: a
    row whose label the question names in full ("total net sales") under a header holding every
    number it names (its year, its date); or, when the question names none but compares this
    document with others (`repeated`), a row that is this document's own ("inventories" in each
    quarter's balance sheet) that names more than a sum ("Total", "Other": any table has one)."""
    asked, numbers = set(terms(question)), set(NUMBER.findall(question))
    if not numbers and not repeated:
        return None

    def named(s: Sentence) -> bool:
        label = set(terms(s.label))
        if not (label and label <= asked and CELL_SEPARATOR in s.text):
            return False
        if numbers:
            return numbers <= set(NUMBER.findall(s.header))
        return bool(label - SUMS) and s.text not in repeated

    return named


def repeat_key(text: str) -> str:
    """`text` as two documents' sentences compare: case, spacing and dates ignored ("as of
    September 30, 2023" in one quarter's report is "as of March 31, 2023" in the next)."""
    return " ".join(PERIOD.sub(" ", text.lower()).split())


class Echoes:
    """What the documents compared with one say. A sentence of that one echoes them when one of them
    says it too (dates aside), or, stating no value of its own, words most of it as one of them does
    (ECHO_SHARE of its word triples): a disclaimer edited from one year's report to the next."""

    def __init__(self, documents):
        self.documents = list({d.id: d for d in documents}.values())  # the same bytes twice are one document

    def __bool__(self) -> bool:  # none to compare with: nothing echoes, and rank skips the test
        return bool(self.documents)

    def __contains__(self, text: object) -> bool:
        key = repeat_key(str(text))
        triples = frozenset() if NUMBER.search(key) else _triples(key)
        for document in self.documents:
            keys, said = _said(document)
            if hash(key) in keys or (triples and len(triples & said) >= ECHO_SHARE * len(triples)):
                return True
        return False


def _triples(key: str) -> frozenset:
    words = re.findall(r"\w+", key)
    return frozenset(hash(tuple(words[i : i + 3])) for i in range(len(words) - 2))


def _said(document) -> tuple[frozenset, frozenset]:
    """(its sentences' `repeat_key` hashes, their word triples)."""

    def find():
        keys = [repeat_key(s.text) for n in range(1, len(document.pages) + 1) for s in page_sentences(document, n)]
        return frozenset(map(hash, keys)), frozenset().union(*map(_triples, keys))

    return _cached(f"{document.id}|said", find)


# a row label that sums or lumps other rows (en, de, fr, es): every table has one
SUMS = frozenset(
    terms(
        "total totals subtotal sum net other others gesamt insgesamt summe netto sonstige übrige "
        "autres divers otros otras neto"
    )
)
# nouns that name the kind of answer asked for ("the docket number", "the name of"), not what it is about
ANSWER_KINDS = frozenset(
    terms(
        "number numbers name names date year amount value title count percentage "
        "nummer name datum jahr betrag wert titel anzahl "
        "numéro nom date année montant valeur titre nombre "
        "número nombre fecha año importe valor título cantidad"
    )
)
# "this paper", "dieses Handbuch", "ce rapport": the document itself, which every sentence of it is about
THE_DOCUMENT = re.compile(r"\b(?:this|dieses|dieser|diese|diesem|diesen|ce|cet|cette|este|esta)\s+(\w+)", re.I)


def about(index, question: str):
    """A check that a text is about what the question asks: it holds one of the question's most
    specific terms (those of the highest idf in the document: the asked name, all of them when
    several tie). Holding the answer's words is not enough: the same fact about another name is
    not about the question. The kind of answer asked for ("number") and the document itself
    ("this rulemaking") are not what a question is about."""
    itself = {t for word in THE_DOCUMENT.findall(question) for t in terms(word)}
    weights = {t: w for t, w in term_weights(index, question).items() if t not in ANSWER_KINDS | itself}
    top = max(weights.values(), default=0.0)
    specific = {t for t, w in weights.items() if w >= top - 1e-9}
    return lambda text: not specific or bool(specific & set(terms(text)))


def shares_a_term(index, question: str, ranked) -> bool:
    """Whether the best sentence shares a word with the question at all (else the document does not answer)."""
    return bool(ranked) and bool(set(term_weights(index, question)) & set(terms(ranked[0][0].searched)))


def with_context(job, sentences) -> list[Passage]:
    """Each sentence with the one before and after it on its page (a sentence alone may not name
    its subject), less what an earlier passage already shows: the next row of a table read for
    the row above it still comes (under its header), and no passage grows past three sentences."""
    document = job.document
    spans: list = []  # (start, end, sentence) of each passage
    for s in sentences:
        on_page = page_sentences(document, s.page)
        i = next((i for i, p in enumerate(on_page) if p.char_start <= s.char_start < p.char_end), None)
        a, b = (
            (on_page[max(i - 1, 0)].char_start, on_page[min(i + 1, len(on_page) - 1)].char_end)
            if i is not None
            else (s.char_start, s.char_end)
        )
        for start, end, _ in spans:
            if start <= a < end:
                a = end
            if a < start < b:
                b = start
        if a <= s.char_start and s.char_end <= b:  # else it is shown already
            spans.append((a, b, s))
    out = []
    for a, b, s in spans:
        text = document.text[a:b]
        header_row = s.header.rsplit("\n", 1)[-1]  # its caption may stand apart from it by a blank line
        out.append(Passage(text, s.page, s.page_label, a, b, "" if header_row in text else s.header))
    return out


def naming_someone(job, question: str, ranked) -> list:
    """For a question asking who: those of the best TYPED_POOL sentences that name someone the
    question does not come first ("contact: Ian Won, Manager" before "sent to the person
    identified in the CONTACT section"), a short one with the sentences it is quoted with; where
    none does, the ranking as it is (a role, "the programmer", may be the answer). Any other
    question (one asking for a number or a date too): the ranking as it is."""
    if value_kind(question) is not None or not ASKS_PERSON.search(question):
        return ranked

    def quoted(s) -> str:
        return s.text if len(s.text.split()) >= SHORT else " ".join(p.text for p in with_context(job, [s]))

    named = [r for r in ranked[:TYPED_POOL] if names_beyond(question, quoted(r[0]))]
    return named + [r for r in ranked if r not in named]
