"""`rag`: retrieve, then answer from the sentences that answer the question.

The best chunks of the hybrid index (BM25 + MiniLM), with the chunks of the table rows the
question names ("total net sales"), are cut into sentences, and the sentences ranked for the
question (evidence.py). What happens next depends on the reader:
- extractive (small local models, `Job.reader`): the answer is the best sentence itself, quoted
  and cited; for a question asking for several things ("which five datasets"), the sentences
  that rank close to the best. Measured on the real-document set, a 135M model asked to write
  or choose from the same sentences answers worse than the ranking alone (docs/benchmarks).
- generative: the model writes the answer from the best sentences with their neighbours, as
  many as the budget holds (a quarter of its window); citations must be about the question. A
  question asking for a calculation (a ratio, a change, a margin) gets computed.py's answer.
When nothing in the document shares a word with the question, the answer says so. A question
that asks for a number ("how many", "wie viele", "combien") or a date ("when", "wann", "in what
year") is answered by the best of the top sentences that holds one, and when none does, the
document does not say; one asking who ("wer", "qui") by the best naming someone it does not.
"""

from __future__ import annotations

import re
import time

from retrieval.analysis import terms
from retrieval.index import SearchHit

from . import cells, computed, evidence
from .events import Progress
from .evidence import SHORT, TYPED_POOL, with_context
from .job import Job, Situation, Strategy, fit_budget
from .question import ASKS_DATE, ASKS_NUMBER, computes, value_kind
from .writer import done, quote, write

POOL = 8  # chunks whose sentences compete (about 3,000 tokens: ranking sentences is cheap)
# Questions asking for several things: every sentence close to the best is part of the answer.
SEVERAL = re.compile(
    r"\b(which|what) (?:\w+ )?(two|three|four|five|six|seven|eight|nine|ten|\d+)\b|\blist\b|\bname (?:all|the)\b"
    r"|\bwhich (?:\w+ )?(?:kinds|types|cities|countries|datasets|people)\b|\bwelche\b.*\b(?:alle|arten)\b",
    re.I,
)
CLOSE = 0.75  # a sentence within this share of the best fused score answers too (several things asked)
MOST_SENTENCES = 5


def ranked_evidence(job: Job, k: int = POOL):
    """(chunks read, sentences best first with scores). What the question asks is searched for and
    ranked by; where it says to look ("based on the cash flow statement") chooses the pages: the
    best chunks of the pages so titled come first, the rest of the document fills the pool."""
    index, asked = job.index(), job.asked
    section = index.chunks_about(asked.source) if asked.source else []
    hits = index.search(asked.information, k=k, within=section) if section else []
    if len(hits) < k:
        query = asked.information if section or not asked.source else f"{asked.information} {asked.source}"
        seen = {hit.chunk.index for hit in hits}
        hits += [hit for hit in index.search(query, k=k + len(hits)) if hit.chunk.index not in seen][: k - len(hits)]
    seen = {hit.chunk.index for hit in hits}  # and the table rows it names, wherever they are
    hits += [SearchHit(index.chunks[c], 0.0, None, None) for c in index.rows_named(asked.information) if c not in seen]
    ranked = evidence.rank(index, asked.information, evidence.sentences_of(hits, job.document), job.repeated)
    if section:  # the part named holds the answer: its sentences first
        named = set(section)
        inside = {hit.page for hit in hits if hit.chunk.index in named}
        ranked = [r for r in ranked if r[0].page in inside] + [r for r in ranked if r[0].page not in inside]
    return hits, ranked


def answer(job: Job):
    start = time.perf_counter()
    hits, ranked = ranked_evidence(job)
    detail = (
        f"{len(hits)} chunks, {len(ranked)} sentences ranked, dense {'on' if job.index().dense_ready else 'not ready'}"
    )
    job.step("retrieve", start, detail=detail)
    yield Progress("retrieve", 1.0, detail)
    if job.reader == "extractive":
        yield from extract(job, ranked)
        return
    about = evidence.about(job.index(), job.question)
    passages = sorted(
        fit_budget(with_context(job, [s for s, _ in ranked]), job.budget, job.backend.count_tokens),
        key=lambda p: p.char_start,
    )
    if computes(job.asked.information):  # the model names the values and the calculation; it is evaluated here
        text, citations = yield from computed.answer(job, passages, about=about)
    else:
        text, citations = yield from write(job, passages, about=about)
    yield done(job, "rag", text, citations)


def chosen_sentences(question: str, ranked) -> list:
    """The best sentence, and for a question asking for several things those close to it."""
    if not ranked:
        return []
    if not SEVERAL.search(question):
        return [ranked[0][0]]
    best = ranked[0][1]
    return sorted([s for s, score in ranked[:MOST_SENTENCES] if score >= CLOSE * best], key=lambda s: s.char_start)


def holding_the_value(job: Job, ranked) -> list:
    """`ranked` limited, for a question asking for a number or a date, to those of its best
    TYPED_POOL sentences that hold one and share a word with the question (none: the document does
    not say). Sharing its rarest word is too strict here: that is often the question's own paraphrase."""
    question = job.asked.information
    kind = value_kind(question)
    if kind is None:
        return evidence.naming_someone(job, question, ranked)
    wording = ASKS_NUMBER.sub(" ", ASKS_DATE.sub(" ", question))  # "number" itself is not what is asked about
    asked = set(evidence.term_weights(job.index(), wording))
    # a table row shares the question's words through its header and caption
    return [(s, score) for s, score in ranked[:TYPED_POOL] if kind.search(s.text) and asked & set(terms(s.searched))]


def extract(job: Job, ranked):
    """The answer is the document's own sentences: quoted whole, cited where they stand."""
    question = job.asked.information
    on_topic = evidence.shares_a_term(job.index(), question, ranked)
    chosen = chosen_sentences(question, holding_the_value(job, ranked)) if on_topic else []
    chosen, lead = cells.picked(question, chosen)
    # a fragment says little alone; a table row is said by its header
    if len(chosen) == 1 and not lead and not chosen[0].header and len(chosen[0].text.split()) < SHORT:
        chosen = with_context(job, chosen)
    job.step("answer", time.perf_counter(), detail=f"{len(chosen)} sentence(s) quoted" + (", a cell" if lead else ""))
    yield from quote(job, "rag", chosen, lead=lead)


def routes(s: Situation) -> str:
    return f"{s.not_whole}: retrieve"  # what no other strategy takes


STRATEGY = Strategy("rag", "retrieve, then answer from the best sentences", answer, routes)
