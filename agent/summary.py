"""`summary`: requests about the whole document, in bounded time at any size.

The document is cut into `parts` consecutive stretches of chunks; from each, the sentences most
central to the document (their terms common in it, by the BM25 index: no model) are taken while
the budget lasts. These representative sentences, in document order, are the summary with an
extractive reader (small models write worse summaries than they pick; docs/benchmarks) or the
passages a generative reader summarizes in one call. A sentence said twice is said once.

`mapreduce`, asked for by name, reads every chunk instead: notes per part, merged until they
fit, the answer from the notes. Its cost grows with the document (minutes per hundred pages
on a CPU), so `auto` never picks it.
"""

from __future__ import annotations

import math
import re
import time

import numpy as np

from retrieval.analysis import terms

from . import evidence
from .backends import complete_all
from .events import Progress
from .job import TAG_TOKENS, Job, Passage, as_passage, consecutive_groups
from .prompts import map_messages, reduce_messages
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
NOTE_TOKENS = 96
NOTHING = re.compile(r"^\W*(nothing|none|not found|n/a)\W*$", re.I)
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
    windows = index.bm25.weights.shape[0]
    common = lambda t: math.log1p(index.bm25.document_frequency(t) / windows * 100)  # noqa: E731  share of windows holding t
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


def map_reduce(job: Job, part_tokens: int | None = None):  # the `mapreduce` strategy
    """Notes on every part, merged while they are over the budget, then the answer from them."""
    index = job.index()
    count = job.backend.count_tokens
    parts = [
        [as_passage(c) for c in part]
        for part in consecutive_groups(index.chunks, part_tokens or job.budget, lambda c: c.n_tokens)
    ]
    notes = yield from _notes(job, parts, map_messages, "map")
    sources = [p for part, note in zip(parts, notes) if note for p in part]
    notes = [note for note in notes if note]
    rounds = 0
    while len(notes) > 1 and sum(count(n.text) + TAG_TOKENS for n in notes) > job.budget:
        rounds += 1
        groups = consecutive_groups(notes, job.budget, lambda n: count(n.text) + TAG_TOKENS)
        if len(groups) == len(notes):  # each note alone fills the budget: merge pairs, halving the count
            groups = [notes[i : i + 2] for i in range(0, len(notes), 2)]
        notes = [note for note in (yield from _notes(job, groups, reduce_messages, f"reduce {rounds}")) if note]
    text, citations = yield from write(job, sources, reduce_messages(notes, job.question))
    yield done(job, "mapreduce", text, citations)


def _notes(job: Job, groups: list[list[Passage]], make_messages, stage: str):
    """One note per group of passages (None where it found nothing), spanning the group's text."""
    start = time.perf_counter()
    requests = [make_messages(group, job.question) for group in groups]
    notes: list[Passage | None] = [None] * len(groups)
    yield Progress(stage, 0.0, f"0/{len(groups)} parts")
    for done_count, (n, reply) in enumerate(complete_all(job.backend, requests, NOTE_TOKENS, job.concurrency), start=1):
        first, last = groups[n][0], groups[n][-1]
        label = first.page_label if first.page_label == last.page_label else f"{first.page_label}-{last.page_label}"
        if reply.strip() and not NOTHING.match(reply):
            notes[n] = Passage(reply.strip(), first.page, label, first.char_start, last.char_end)
        yield Progress(stage, done_count / len(groups), f"{done_count}/{len(groups)} parts")
    job.step(
        stage,
        start,
        sum(job.backend.prompt_tokens(r) for r in requests),
        detail=f"{len(groups)} parts, {sum(n is not None for n in notes)} with notes",
    )
    return notes
