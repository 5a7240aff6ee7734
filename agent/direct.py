"""`direct`: the whole document in the model's window, when it fits the window needle tests
measured for this model and settings (longctx's DCA makes room past the trained one)."""
from __future__ import annotations

from .events import Progress
from .job import Job, page_passages
from .writer import done, write


def answer(job: Job):
    yield Progress("retrieve", 1.0, "the whole document")
    text, citations = yield from write(job, page_passages(job.document))
    yield done(job, "direct", text, citations)
