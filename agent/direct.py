"""`direct`: the whole document in the model's window, when it fits the window needle tests
measured for this model and settings (longctx's DCA makes room past the trained one)."""

from __future__ import annotations

from . import computed
from .events import Progress
from .job import Job, Situation, Strategy, page_passages
from .question import computes
from .writer import done, write


def answer(job: Job):
    yield Progress("retrieve", 1.0, "the whole document")
    passages = page_passages(job.document)
    if computes(job.asked.information):  # a calculation: evaluated here, as rag's are
        text, citations = yield from computed.answer(job, passages)
    else:
        text, citations = yield from write(job, passages)
    yield done(job, "direct", text, citations)


def routes(s: Situation) -> str | None:
    if s.reader == "generative" and s.document_tokens <= s.room:
        return f"{s.size} fits the {s.window:,}-token window ({s.room:,} left for it)"
    return None


STRATEGY = Strategy("direct", "read it whole (the long-context window)", answer, routes)
