"""`summary`: requests about the whole document, in bounded time at any size.

The document is cut into `parts` consecutive stretches of chunks; from each, the sentences most
central to the document (their terms common in it, by the BM25 index: no model) are taken while
the budget lasts. These representative sentences, in document order, are the summary with an
extractive reader (small models write worse summaries than they pick; docs/benchmarks) or the
passages a generative reader summarizes in one call. A sentence said twice is said once.
`mapreduce` (mapreduce.py), asked for by name, reads every chunk instead.
"""

from __future__ import annotations

import math
import re
import time

import numpy as np

from retrieval.analysis import terms

from . import evidence
from .events import Progress
from .job import Job, Situation, Strategy, as_passage
from .writer import done, quote, write

# Whole-document requests: no passage answers them, every part of the document does.
SUMMARY_CUE = re.compile(
    r"\b(summari[sz]e|summary|overview|outline|tl;?dr|main (?:points|ideas|topics|themes|findings|arguments)"
    r"|key (?:points|takeaways|findings)|what (?:is|are) (?:this|the) (?:document|text|book|paper|report|file"
    r"|manual)s? about"
    r"|zusammenfass\w*|fass\w* (?:\w+ ){0,5}?zusammen|worum geht es|résum[ée]|de quoi (?:parle|traite)"
    r"|resumen|resume)\b|总结|概述|摘要",
    re.I,
)
# Words that name the document itself, not a topic ("summarize this text/paper").
THE_DOCUMENT = re.compile(
    r"\b(?:document|text|paper|report|book|file|article|chapter|manual|slides?|talk|says?|dokument|"
    r"skript|bericht|buch|texte?|rapport|livre|documento|informe|libro)\b",
    re.I,
)
PARTS = 6  # stretches of the document a summary draws from
PER_PART = 2  # representative sentences from each
MIN_WORDS = 6  # shorter lines (headings, page furniture) do not summarize
PROSE_LETTERS = 0.6  # of a sentence's visible characters: less is a formula, a table row or markup


def answer(job: Job):
    start = time.perf_counter()
    chosen = representative(job)
    job.step("select", start, detail=f"{len(chosen)} representative sentences from {PARTS} parts of the document")
    yield Progress("read", 1.0, f"{len(chosen)} representative sentences")
    if job.reader == "extractive":
        yield from quote(job, "summary", chosen)
        return
    text, citations = yield from write(job, [as_passage(s) for s in chosen])
    yield done(job, "summary", text, citations)


def representative(job: Job) -> list:
    """The sentences most central to the document (or, when the question names a topic, to the
    sentences about it), a few from each of its parts, in order."""
    index = job.index()
    snippets = index.bm25.weights.shape[0]

    def common(term: str) -> float:  # how common a term is: the share of snippets holding it
        return math.log1p(index.bm25.document_frequency(term) / snippets * 100)

    topic = set(evidence.term_weights(index, THE_DOCUMENT.sub(" ", SUMMARY_CUE.sub(" ", job.question))))
    candidates = [s for s in evidence.sentences_of(index.chunks, job.document) if is_prose(s.text)]
    if topic and len(about_topic := [s for s in candidates if topic & set(terms(s.text))]) >= PARTS:
        candidates = about_topic  # "what does it say about error handling": the sentences on it
    chosen, seen, used = [], set(), 0
    parts = [
        part for part in np.array_split(np.array(candidates, dtype=object), min(PARTS, len(candidates))) if len(part)
    ]
    per_part = max(1, min(PER_PART, job.budget // (60 * max(len(parts), 1))))
    for part in parts:
        scored = []
        for s in part:
            found = terms(s.text)
            key = " ".join(t for t in found if not t.isdigit())  # the same line but for its numbers is said once
            if found:
                scored.append((sum(common(t) for t in set(found)) / math.sqrt(len(found)), s, key))
        taken = 0
        for _score, s, key in sorted(scored, key=lambda x: -x[0]):
            if taken == per_part or key in seen:
                continue
            cost = job.backend.count_tokens(s.text)
            if used + cost > job.budget:
                break
            chosen.append(s)
            seen.add(key)
            used += cost
            taken += 1
    return sorted(chosen, key=lambda s: s.char_start)


def is_prose(text: str) -> bool:
    """A sentence a summary can quote: enough words, ends like a sentence, mostly letters (not a
    caption in markup, a formula or a table row)."""
    visible = "".join(text.split())
    return (
        len(text.split()) >= MIN_WORDS
        and not visible.startswith("<")
        and bool(re.search(r"[.!?。！？][\"'”’)]*$", visible))
        and sum(c.isalpha() for c in visible) >= PROSE_LETTERS * len(visible)
    )


def routes(s: Situation) -> str | None:
    if SUMMARY_CUE.search(s.question):
        return f"{s.not_whole}, and the question is about the whole document: representative passages"
    return None


STRATEGY = Strategy("summary", "representative passages of the whole document", answer, routes)
