"""The strategies, registered: each a module with a `STRATEGY` (its name, a few words of help,
`answer(job)` that yields events and ends in `Done`, and what routes `auto` to it); and `auto`:
the router that asks them in turn from the question and the document, and hands over when the
first answer finds no support or only the first link of a chain. It says why in the trace.

A new strategy: a module with its `STRATEGY`, added to `REGISTRY` at its place in auto's order.

An attempt the router may still abandon streams no tokens: they are held until it is kept, so
a reader sees one answer per question, and an abandoned attempt only as progress.
"""

from __future__ import annotations

from . import direct, mapreduce, multihop, parallel, rag, summary
from .absent import absent
from .errors import UnknownStrategyError
from .events import CitationEvent, Done, Progress, Token
from .job import Job, Situation, Strategy
from .writer import NOT_IN_DOCUMENT, done

# auto asks them in this order; the first whose `routes` gives a reason answers
REGISTRY: dict[str, Strategy] = {
    s.STRATEGY.name: s.STRATEGY for s in (direct, summary, parallel, multihop, rag, mapreduce)
}
STRATEGIES = ("auto", *REGISTRY)


def strategy_help() -> str:
    """What each strategy does, for the command line and the app."""
    return "; ".join([f"{s.name}: {s.help}" for s in REGISTRY.values()] + ["auto: choose and say why (default)"])


def pick(situation: Situation, requested: str = "auto") -> tuple[str, str]:
    """(strategy, reason): the one asked for, or the first `routes` takes under `auto`."""
    if requested not in STRATEGIES:
        raise UnknownStrategyError(f"unknown strategy {requested!r}; choose from {', '.join(STRATEGIES)}")
    if requested != "auto":
        return requested, f"asked for {requested}"
    remarks = ""
    for strategy in REGISTRY.values():
        if strategy.routes is not None and (reason := strategy.routes(situation)):
            return strategy.name, reason + remarks
        if strategy.declines is not None:
            remarks += strategy.declines(situation)
    raise AssertionError("rag routes every question")  # unreachable: rag's routes always answers


def choose(job: Job, requested: str) -> tuple[str, str]:
    return pick(Situation.of(job), requested)


def route(job: Job, requested: str):
    """The chosen strategy's events. Under `auto`, a strategy that follows the chosen one (multihop
    after rag) answers instead when it says why the first answer may fall short (none, or only the
    first link of a chain); if it finds no support, the first answer stands: an escalation never
    trades an answer for none."""
    chosen, reason = choose(job, requested)
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
    followers = [(s, s.follows) for s in REGISTRY.values() if chosen in s.after and s.follows is not None]
    if requested != "auto" or not followers:
        yield from REGISTRY[chosen].answer(job)
        return
    follower, follows = followers[0]  # one follows each strategy today: multihop after rag
    first, held = yield from _held(REGISTRY[chosen].answer(job))
    why = follows(job, first)
    if why is None:
        yield from held
        yield Done(first)
        return
    yield Progress("strategy", 1.0, f"{follower.name}: {why}: {follower.help}")
    then, then_held = yield from _held(follower.answer(job))
    if first.supported and not then.supported:
        first.trace.strategy_reason += f"; {follower.name} tried ({why}) but found no support: {chosen}'s answer kept"
        yield Progress("strategy", 1.0, f"{follower.name} found no support: the first answer stands")
        yield from held
        yield Done(first)
        return
    job.trace.strategy_reason += f"; then {follower.name}: {why}"
    yield from then_held
    yield Done(then)


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
