"""`rag`: retrieve, then answer from the sentences that answer the question.

The best chunks of the hybrid index (BM25 + MiniLM) are cut into sentences, and the sentences
ranked for the question (evidence.py). What happens next depends on the reader:
- extractive (small local models, `Job.reader`): the answer is the best sentence itself, quoted
  and cited; for a question asking for several things ("which five datasets"), the sentences
  that rank close to the best. Measured on the real-document set, a 135M model asked to write
  or choose from the same sentences answers worse than the ranking alone (docs/benchmarks).
- generative: the model writes the answer from the best sentences with their neighbours, as
  many as the budget holds (a quarter of its window); citations must be about the question.
When nothing in the document shares a word with the question, the answer says so.
"""
from __future__ import annotations

import re
import time

from retrieval.sentences import sentence_spans

from . import evidence
from .events import Progress
from .job import Job, Passage, fit_budget
from .writer import done, quote, write

POOL = 8  # chunks whose sentences compete (about 3,000 tokens: ranking sentences is cheap)
# Questions asking for several things: every sentence close to the best is part of the answer.
SEVERAL = re.compile(r"\b(which|what) (?:\w+ )?(two|three|four|five|six|seven|eight|nine|ten|\d+)\b|\blist\b|\bname (?:all|the)\b"
                     r"|\bwhich (?:\w+ )?(?:kinds|types|cities|countries|datasets|people)\b|\bwelche\b.*\b(?:alle|arten)\b", re.I)
CLOSE = 0.75  # a sentence within this share of the best fused score answers too (several things asked)
MOST_SENTENCES = 5
SHORT = 6  # words: a shorter sentence is quoted with the ones around it


def search_query(question: str) -> str:
    """The question without the wording of a request ("please tell me ..."), for retrieval."""
    return re.sub(r"^\s*(please\s+)?(tell me|can you tell me|i want to know)\s*", "", question, flags=re.I)


def ranked_evidence(job: Job, k: int = POOL):
    """(chunks read, sentences best first with scores)."""
    index = job.index()
    hits = index.search(search_query(job.question), k=k)
    return hits, evidence.rank(index, job.question, evidence.sentences_of(hits, job.document))


def answer(job: Job):
    start = time.perf_counter()
    hits, ranked = ranked_evidence(job)
    detail = f"{len(hits)} chunks, {len(ranked)} sentences ranked, dense {'on' if job.index().dense_ready else 'not ready'}"
    job.step("retrieve", start, detail=detail)
    yield Progress("retrieve", 1.0, detail)
    if job.reader == "extractive":
        yield from extract(job, ranked)
        return
    about = evidence.about(job.index(), job.question)
    passages = fit_budget(with_context(job, [s for s, _ in ranked]), job.budget, job.backend.count_tokens)
    text, citations = yield from write(job, sorted(passages, key=lambda p: p.char_start), about=about)
    yield done(job, "rag", text, citations)


def with_context(job: Job, sentences) -> list[Passage]:
    """Each sentence with the one before and after it on its page (a sentence alone may not name
    its subject); overlapping ones merged."""
    document, spans, out = job.document, {}, []
    for s in sentences:
        page = document.pages[s.page - 1]
        if s.page not in spans:
            spans[s.page] = [(page.char_start + a, page.char_start + b) for a, b in sentence_spans(page.text)]
        on_page = spans[s.page]
        i = next((i for i, (a, b) in enumerate(on_page) if a <= s.char_start < b), None)
        a, b = (on_page[max(i - 1, 0)][0], on_page[min(i + 1, len(on_page) - 1)][1]) if i is not None else (s.char_start, s.char_end)
        if any(p.char_start < b and a < p.char_end for p in out):
            continue
        out.append(Passage(document.text[a:b], s.page, s.page_label, a, b))
    return out


def chosen_sentences(question: str, ranked) -> list:
    """The best sentence, and for a question asking for several things those close to it."""
    if not ranked:
        return []
    if not SEVERAL.search(question):
        return [ranked[0][0]]
    best = ranked[0][1]
    return sorted([s for s, score in ranked[:MOST_SENTENCES] if score >= CLOSE * best], key=lambda s: s.char_start)


def extract(job: Job, ranked):
    """The answer is the document's own sentences: quoted whole, cited where they stand."""
    chosen = chosen_sentences(job.question, ranked) if evidence.shares_a_term(job.index(), job.question, ranked) else []
    if len(chosen) == 1 and len(chosen[0].text.split()) < SHORT:  # a fragment says little without its neighbours
        chosen = with_context(job, chosen)
    job.step("answer", time.perf_counter(), detail=f"{len(chosen)} sentence(s) quoted")
    yield from quote(job, "rag", chosen)
