"""Conversations: a question asked after others is answered as the standalone question it means.

The history is checked (pairs of question and answer), and only its latest turns are read. A
question that does not depend on them (followup.depends) is asked as typed: a new topic is never
mixed with the old one. One that does is rewritten by the model when the reader writes (the
conversation shown as data), else by followup's rules; a rewrite that is no question, or brings
words the conversation never used, gives way to the rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from retrieval.analysis import terms

from . import followup
from .backends import complete
from .errors import BackendError, HistoryError
from .prompts import rewrite_messages
from .question import MAX_QUESTION_CHARS, checked

MAX_TURNS = 8  # turns read, the latest: a follow-up points at the last few, not at the hundredth
MAX_ANSWER_CHARS = 1_200  # of each answer shown to the rewriter (a long answer's start names its subject)
REWRITE_TOKENS = 64
INVENTED_SHARE = 0.34  # a rewrite with more of its terms than this from outside the conversation is not used
PARTS = 20  # a text's parts, for whether a referent is mentioned throughout it
THROUGHOUT = 0.5  # the share of them that mention it
WORDS = re.compile(r"[^\W_]+")
LEADING_LABEL = re.compile(r"^\s*(?:standalone |rewritten |the )?(?:question|frage|pregunta)\s*:\s*", re.I)


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


@dataclass(frozen=True)
class History:
    """The turns read (the latest MAX_TURNS) and how many were left out."""

    turns: tuple[Turn, ...] = ()
    dropped: int = 0

    def note(self) -> str:
        return (
            f"the {self.dropped:,} oldest turns of {self.dropped + len(self.turns):,} not read" if self.dropped else ""
        )


def history_of(history) -> History:
    """`history` (a sequence of (question, answer) pairs; an answer may be an `Answer`) checked,
    its latest turns kept; a typed error naming the first item that is not a pair of texts."""
    if history is None:
        return History()
    if isinstance(history, (str, bytes, dict)) or not isinstance(history, Sequence):
        raise HistoryError(f"history must be a list of (question, answer) pairs, not {type(history).__name__}")
    for k, item in enumerate(history):
        if isinstance(item, (str, bytes, dict)) or not isinstance(item, Sequence) or len(item) != 2:
            raise HistoryError(f"history item {k} is not a (question, answer) pair: {type(item).__name__}")
        question, answer = item
        answer = getattr(answer, "text", answer)
        if not isinstance(question, str) or not isinstance(answer, str):
            raise HistoryError(f"history item {k}: the question and the answer must be text")
    kept = history[-MAX_TURNS:] if len(history) > MAX_TURNS else history
    turns = tuple(Turn(question, getattr(answer, "text", answer)) for question, answer in kept)
    return History(turns, len(history) - len(turns))


def standalone_question(question: str, history: History, backend, writes: bool, text: str = "") -> tuple[str, str]:
    """(the question to answer, how it was made: "" as typed, "rules" or "model", with what of
    the history was not read). `text`: the document's, when one document is read."""
    if not history.turns or not followup.depends(question):
        return question, ""
    previous, answer = "", ""
    everywhere = mentioned_throughout(text) if text else None
    for turn in history.turns:  # each earlier question made standalone in turn: "and 2020?" after "and 2019?"
        previous = followup.standalone(turn.question[:MAX_QUESTION_CHARS], previous, answer, everywhere)
        answer = turn.answer
    by_rules = followup.standalone(question, previous, answer, everywhere)
    if writes:
        turns = list(history.turns)
        messages = rewrite_messages(_shown(turns), question)
        while len(turns) > 1 and backend.prompt_tokens(messages) > backend.window // 2:  # the oldest turns give way
            turns.pop(0)
            messages = rewrite_messages(_shown(turns), question)
        dropped = History(tuple(turns), history.dropped + len(history.turns) - len(turns))
        try:
            reply = complete(backend, messages, REWRITE_TOKENS)
        except BackendError:
            return by_rules, _said("rules, the model failed", dropped)
        if (rewritten := _usable(reply, question, dropped)) is not None:
            return rewritten, _said("model", dropped)
    return by_rules, _said("rules", history)


def mentioned_throughout(text: str):
    """Whether a referent is mentioned all through `text`: each of its words in at least half of
    the text's PARTS equal parts (a paper's own method's name, a manual's "manual"). The parts'
    words are read once, on the first referent asked about: a referent of any length costs a
    look-up a word."""
    size = max(1, len(text) // PARTS)
    parts: list[set[str]] = []

    def everywhere(referent: str) -> bool:
        if not parts:
            parts.extend(set(WORDS.findall(text[k : k + size].casefold())) for k in range(0, len(text), size))
        words = set(WORDS.findall(referent.casefold()))
        return bool(words) and all(sum(w in part for part in parts) >= THROUGHOUT * len(parts) for w in words)

    return everywhere


def _shown(turns) -> list[tuple[str, str]]:
    return [(t.question[:MAX_QUESTION_CHARS], t.answer[:MAX_ANSWER_CHARS]) for t in turns]


def _said(how: str, history: History) -> str:
    return f"{how}; {history.note()}" if history.note() else how


def _usable(reply: str, question: str, history: History) -> str | None:
    """The model's rewrite as a question, if it is one made of the conversation's own words."""
    line = next((line for line in reply.strip().splitlines() if line.strip()), "")
    line = LEADING_LABEL.sub("", line).strip().strip("\"'“”«»")
    if not line or len(line) > 2 * len(question) + 400:
        return None
    try:
        line = checked(line)
    except ValueError:
        return None
    said = set(terms(question)).union(*(terms(f"{t.question} {t.answer[:MAX_ANSWER_CHARS]}") for t in history.turns))
    written = terms(line)
    invented = [t for t in written if t not in said]
    if not written or len(invented) > INVENTED_SHARE * len(written):
        return None
    # it must still ask what the follow-up asked ("k1" of "and the parameter k1?"), and stand alone
    kept = set(written)
    if any(t not in kept for t in terms(" ".join(followup.own_words(question)))) or followup.depends(line):
        return None
    return line


@dataclass
class Conversation:
    """Questions about one document (or anything `Agent.ask` reads: a list of files, a folder, a
    Collection), each read with the turns before it: `conv.ask("What was revenue in 2018?")`, then
    `conv.ask("And in 2019?")`. `agent`: default, the embedded model's."""

    doc: object
    agent: object = None
    turns: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self):
        if self.agent is None:
            from .core import default_agent

            self.agent = default_agent()

    def ask_stream(self, question: str, **options):
        for event in self.agent.ask_stream(self.doc, question, history=self.turns, **options):  # type: ignore[attr-defined]
            if (answer := getattr(event, "answer", None)) is not None:
                self.turns.append((question, answer.text))
            yield event

    def ask(self, question: str, **options):
        answer = None
        for event in self.ask_stream(question, **options):
            answer = getattr(event, "answer", answer)
        return answer

    def clear(self) -> None:
        self.turns.clear()
