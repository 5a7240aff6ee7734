"""Writing an answer with the model: stream it from the passages a strategy chose, stop a reply
that runs away, and keep only citations the document verifies. And the `Done` every strategy
ends with: an answer without support says so.
"""

from __future__ import annotations

import time

from retrieval.sentences import readable

from .citations import NOT_FOUND, supporting_citations
from .events import Answer, Citation, CitationEvent, Done, Progress, Retrieved, Token
from .job import Job, as_passage
from .prompts import question_messages
from .runaway import reply_end, settled

NO_SUPPORT = "(No passage of the document supports this answer.)"
NOT_IN_DOCUMENT = "The document does not say (not found)."


def write(job: Job, passages, messages: list[dict] | None = None, about=None):
    """Stream an answer from `passages` (`messages`: another prompt over them); returns
    (text, citations), citations verified on the document and, with `about`, about the question
    (`about(sentence) -> bool`)."""
    yield Retrieved(tuple(passages))
    messages = messages or question_messages(passages, job.question)
    start = time.perf_counter()
    prompt_tokens = job.backend.prompt_tokens(messages)
    yield Progress("answer", 0.0, f"reading {prompt_tokens:,} tokens")
    text, shown, stream = "", 0, job.backend.stream(messages, job.max_new_tokens)
    try:
        for piece in stream:
            text += piece
            if reply_end(text) is not None:  # a loop or an echoed prompt: stop generating
                break
            if (ready := settled(text)) > shown:
                yield Token(text[shown:ready])
                shown = ready
    finally:
        stream.close()
    if (end := reply_end(text, finished=True)) is not None:
        text = text[:end]
    if len(text) > shown:
        yield Token(text[shown:])
    text = text.strip()
    job.step("answer", start, prompt_tokens, job.backend.count_tokens(text) if text else 0)
    citations = supporting_citations(job.document, passages, job.question, text, about=about)
    for citation in citations:
        yield CitationEvent(citation)
    return text, citations


def done(job: Job, strategy: str, text: str, citations: list) -> Done:
    """The last event of a strategy: its answer, marked unsupported (and saying so) without citations."""
    supported = bool(citations)
    if not supported and not NOT_FOUND.search(text):
        text = f"{text}\n\n{NO_SUPPORT}" if text else NO_SUPPORT
    return Done(Answer(text, list(citations), strategy, job.trace, supported))


def quote(job: Job, strategy: str, sentences, separator: str = "\n", lead: str = ""):
    """An answer made of the document's own sentences (evidence.Sentence), each quoted whole and
    cited where it stands, after `lead` (the value they give, when one was picked out); none: the
    document does not say."""
    yield Retrieved(tuple(as_passage(s) for s in sentences))
    shown, header = [], ""
    for s in sentences:  # a table row under its header row, the header once for rows of one table
        shown.append(
            f"{readable(s.header)}\n{readable(s.text)}" if s.header and s.header != header else readable(s.text)
        )
        header = s.header
    text = separator.join(([lead] if lead and shown else []) + shown) or NOT_IN_DOCUMENT
    citations = [Citation(s.page, s.page_label, s.text, s.char_start, s.char_end) for s in sentences]
    yield Token(text)
    for citation in citations:
        yield CitationEvent(citation)
    yield done(job, strategy, text, citations)
