"""The strategies, each a module whose `answer(job)` yields events and ends in `Done`, and `auto`:
the router that picks one from the question and the document, and hands over when the first
one finds no support or only the first link of a chain. It says why in the trace.

An attempt the router may still abandon streams no tokens: they are held until it is kept, so
a reader sees one answer per question, and an abandoned attempt only as progress.
"""

from __future__ import annotations

import re

from . import direct, multihop, parallel, rag, summary
from .absent import absent
from .errors import UnknownStrategyError
from .events import CitationEvent, Done, Progress, Token
from .job import ANSWER_RESERVE, Job
from .writer import NOT_IN_DOCUMENT, done

STRATEGIES = ("auto", "direct", "rag", "parallel", "multihop", "summary", "mapreduce")
RUN = {
    "direct": direct.answer,
    "rag": rag.answer,
    "parallel": parallel.answer,
    "multihop": multihop.answer,
    "summary": summary.answer,
    "mapreduce": summary.map_reduce,
}

# Questions over every mention: retrieval's top chunks can miss some, reading every part does not.
LISTING_CUE = re.compile(
    r"\b(list (?:all|every|each|the)|enumerate|how many times|every (?:\w+ )?(?:mentioned|named|listed)"
    r"|all (?:the |of the )?\w+ (?:mentioned|named|listed|that|which|who)|alle \w+, die|liste)\b|列出|所有",
    re.I,
)
# Questions that name a thing through another one ("the X of the Y that ..."): follow the chain.
CHAIN_CUE = re.compile(r"\b(?:whose|of the \w+(?: \w+)? (?:who|that|which|where))\b", re.I)


def choose(
    requested: str,
    question: str,
    document_tokens: int,
    question_tokens: int,
    window: int,
    max_new_tokens: int,
    read_limit: int,
    reader: str = "generative",
) -> tuple[str, str]:
    """(strategy, reason)."""
    if requested not in STRATEGIES:
        raise UnknownStrategyError(f"unknown strategy {requested!r}; choose from {', '.join(STRATEGIES)}")
    if requested != "auto":
        return requested, f"asked for {requested}"
    room = window - question_tokens - max_new_tokens - ANSWER_RESERVE
    size = f"the document ({document_tokens:,} tokens)"
    if reader == "generative" and document_tokens <= room:
        return "direct", f"{size} fits the {window:,}-token window ({room:,} left for it)"
    over = (
        f"{size} is over the {room:,} tokens the {window:,}-token window leaves"
        if document_tokens > room
        else f"{size}, read by an extractive reader (a small model answers better from ranked sentences than "
        "from a whole document)"
    )
    if summary.SUMMARY_CUE.search(question):
        return "summary", f"{over}, and the question is about the whole document: representative passages"
    if LISTING_CUE.search(question):
        if document_tokens <= read_limit:
            return (
                "parallel",
                f"{over}, and the question asks for every mention: read every part ({read_limit:,}-token limit)",
            )
        reason = f"; a listing question, but reading every part is over the {read_limit:,}-token limit"
    else:
        reason = ""
    if CHAIN_CUE.search(question):
        return "multihop", f"{over}, and the question names one thing through another: follow the chain{reason}"
    return "rag", f"{over}: retrieve{reason}"


def route(job: Job, requested: str, read_limit: int):
    """The chosen strategy's events; `auto`'s rag hands over to multihop when it finds no support
    or its cited sentence is only the first link of a chain. A chain that finds no support keeps
    rag's supported answer: an escalation never trades an answer for none."""
    chosen, reason = choose(
        requested,
        job.question,
        job.trace.document_tokens,
        job.backend.count_tokens(job.question),
        job.backend.window,
        job.max_new_tokens,
        read_limit,
        job.reader,
    )
    job.trace.strategy_reason = f"{reason}; window from {job.backend.window_source}"
    if requested == "auto" and (missing := absent(job.asked.information, job.document)):
        said = ", ".join(missing)
        job.trace.strategy_reason = f"the question names what the document never mentions ({said}): nothing to read"
        yield Progress("strategy", 1.0, job.trace.strategy_reason)
        text = f"{NOT_IN_DOCUMENT[:-1]}: it never mentions {said}."
        yield Token(text)
        yield done(job, "auto", text, [])
        return
    yield Progress("strategy", 1.0, f"{chosen}: {reason}")
    if requested != "auto" or chosen != "rag":
        yield from RUN[chosen](job)
        return
    first, held = yield from _held(RUN["rag"](job))
    why = (
        "the retrieved sentences did not support an answer"
        if not first.supported
        else multihop.chain_continues(job, first.citations)
    )
    if why is None:
        yield from held
        yield Done(first)
        return
    yield Progress("strategy", 1.0, f"multihop: {why}: follow the chain")
    chain, chain_held = yield from _held(RUN["multihop"](job))
    if first.supported and not chain.supported:
        first.trace.strategy_reason += f"; multihop tried ({why}) but found no support: rag's answer kept"
        yield Progress("strategy", 1.0, "multihop found no support: the first answer stands")
        yield from held
        yield Done(first)
        return
    job.trace.strategy_reason += f"; then multihop: {why}"
    yield from chain_held
    yield Done(chain)


def _held(events):
    """Relay an attempt's progress; hold its tokens and citations until it is kept. Returns
    (its answer, the held events)."""
    held, answer = [], None
    for event in events:
        if isinstance(event, Done):
            answer = event.answer
        elif isinstance(event, (Token, CitationEvent)):
            held.append(event)
        else:
            yield event
    return answer, held
