"""`mapreduce`: read every chunk. Notes on each part of the document, merged while they are over
the budget, then the answer from the notes. Its cost grows with the document (minutes per
hundred pages on a CPU), so `auto` never picks it: it is asked for by name.
"""

from __future__ import annotations

import re
import time

from .backends import complete_all
from .events import Progress
from .job import TAG_TOKENS, Job, Passage, Strategy, as_passage, consecutive_groups
from .prompts import map_messages, reduce_messages
from .writer import done, write

NOTE_TOKENS = 96
NOTHING = re.compile(r"^\W*(nothing|none|not found|n/a)\W*$", re.I)


def answer(job: Job, part_tokens: int | None = None):
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


STRATEGY = Strategy("mapreduce", "notes on every part, merged (slow; never chosen by auto)", answer)
