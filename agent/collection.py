"""One question over many documents: `agent.ask(["q1.pdf", "q2.pdf", "reports/"], question)`, or a
`Collection` kept between questions.

The documents' indexes are searched together (retrieval.collection ranks their best chunks on
one scale). A look-up is answered by the document whose passages rank first, or the next when
that one does not say; a question that compares or aggregates ("which quarter had the higher
revenue", "in which reports is X mentioned") is answered by each document that holds a passage
for it, then together: each part with its document's citations, and for a comparison the
highest or lowest value first. A question naming its subject ("Apple's gross margin") is asked of
the documents about it, and one naming a quarter ("in the Q1 2023 10-Q") of the documents whose
file name gives it (subjects.py). Every citation names its document. A follow-up is made
standalone once, for all the documents.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, replace

from retrieval.collection import Member, Sources, search_together
from retrieval.index import DocumentIndex, resolve_embedder
from retrieval.routing import ROUTED, Profiles, route

from .cells import YEAR
from .conversation import history_of, standalone_question
from .errors import CollectionError
from .events import Answer, CitationEvent, Done, Progress, Step, Token, Trace
from .evidence import Echoes
from .notation import NUMBER, notation_of
from .question import checked, request
from .subjects import about_the_names, of_the_period
from .writer import NOT_IN_DOCUMENT

TOP_HITS = 12  # chunks ranked together: the documents among them are the ones asked
MAX_LOOKUP = 3  # documents a look-up tries, best first
MAX_COMPARED = 12  # documents a comparison asks, best first (each is a full answer of the model's time)
# a question asking which document holds the higher or lower value (en, de, fr, es)
WHICH_MORE = (
    r"\b(?:which|what|whose)\b[^?.]{0,80}\b(?:higher|highest|lower|lowest|more|most|less|least|fewer|fewest"
    r"|larger|largest|smaller|smallest|bigger|biggest|greater|greatest|better|best|worse|worst)\b"
    r"|\bwelche[rsmn]?\b[^?.]{0,80}\b(?:höher|höchste\w*|niedriger|niedrigste\w*|mehr|meiste\w*|weniger|größte\w*"
    r"|kleinste\w*)\b|\bquel(?:le)?s?\b[^?.]{0,80}\b(?:plus|moins)\b|\bcuál(?:es)?\b[^?.]{0,80}\b(?:más|menos|mayor|menor)\b"
)
WHICH = re.compile(WHICH_MORE, re.I)
# a question asking which documents say something: a sentence they all repeat is its answer
WHERE_SAID = (
    r"\bin which (?:of the )?(?:reports?|documents?|files?|filings?|quarters?|years?)\b"
    r"|\bin welchen (?:berichten|dokumenten|dateien)\b|\bdans quels? (?:rapports?|documents?)\b"
    r"|\ben qué (?:informes|documentos)\b"
)
WHERE = re.compile(WHERE_SAID, re.I)
# a question answered per document, then together
COMPARES = re.compile(
    WHICH_MORE + "|" + WHERE_SAID + r"|\bcompar\w*|\b(?:each|every|all|both) (?:of the )?(?:reports?|documents?"
    r"|files?|filings?|quarters?)\b|\bacross\b|\bvergleich\w*"
    # a change over the documents' periods: "over time", "during the reported quarters", "in these 10-Qs",
    # "throughout the reporting period", "each reported period", "against prior quarters"
    r"|\bover time\b|\b(?:in|across|throughout|during|over) (?:these|the|all) (?:reported |reporting )?(?:reports"
    r"|documents|filings|quarters|periods|years|10-?[qk]s|quarterly reports|annual reports)\b"
    r"|\b(?:throughout|over|across) the (?:reported|reporting) (?:period|time ?frame)\b"
    r"|\b(?:each|every) (?:reported |reporting )?(?:period|quarter|year)\b|\b(?:quarter to quarter|period to period)\b"
    r"|\b(?:past|prior|previous|preceding|earlier|historical) (?:quarters|periods|years|reports|filings)\b"
    # the documents named in the plural: "NVIDIA's quarterly reports", "Intel's 10-Qs", "the filings"
    r"|\b(?:the|these|its|their|\w+['’]s|\w+s['’]) (?:quarterly |annual )?(?:reports|filings|10-?[qk]s)\b"
    r"|\btrend(?:s|ed)?\b|\bim (?:zeitverlauf|vergleich)\b|\bau fil du temps\b|\ba lo largo del tiempo\b"
    r"|\b(?:in|über|während) (?:den|diesen|allen) (?:berichten|quartalen|perioden|zeiträumen|jahren)\b"
    r"|\b(?:vorherigen|früheren|vergangenen) (?:quartal\w*|perioden|jahr\w*)\b"
    r"|\b(?:dans|sur|au cours) (?:des|ces|les) (?:rapports|trimestres|périodes|années)\b"
    r"|\b(?:trimestres|périodes|années) (?:précédent|antérieur)e?s\b"
    r"|\b(?:en|durante|a lo largo de) (?:los|estos|las|estas) (?:informes|trimestres|periodos|períodos|años)\b"
    r"|\b(?:trimestres|periodos|períodos|años) anteriores\b",
    re.I,
)
HIGHEST = re.compile(
    r"\b(?:higher|highest|more|most|larger|largest|bigger|biggest|greater|greatest|höher|höchste\w*|mehr"
    r"|meiste\w*|größte\w*|plus|más|mayor)\b",
    re.I,
)
LOWEST = re.compile(
    r"\b(?:lower|lowest|less|least|fewer|fewest|smaller|smallest|niedriger|niedrigste\w*|weniger"
    r"|kleinste\w*|moins|menos|menor)\b",
    re.I,
)
NOT_IN_DOCUMENTS = NOT_IN_DOCUMENT.replace("document does", "documents do")
PLAIN_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)?(?![\w])")


def compares(question: str) -> bool:
    return COMPARES.search(question) is not None


def tells_apart(question: str) -> bool:
    """Whether a question answered per document wants what each says of its own: not a sentence they
    all repeat (a disclaimer, a heading), unless it asks which of them say something."""
    return WHERE.search(question) is None or WHICH.search(question) is not None


@dataclass(frozen=True)
class Building:
    """How far `Collection.start_building` has come."""

    done: int = 0
    total: int = 0
    current: str = ""  # the document being indexed
    running: bool = False
    error: str = ""  # the last document that failed: "name: Error: ..."


class Collection:
    """Documents asked together: paths (folders walked), bytes, text or Documents. Changed files
    are read again at each question, removed ones leave; `skipped` lists what could not be read."""

    def __init__(self, sources, agent=None, *, cache_dir=None, routed: int = ROUTED):
        from .core import default_agent

        self.agent = agent or default_agent()
        cache_dir = cache_dir if cache_dir is not None else self.agent.cache_dir
        self.sources = Sources(sources, cache_dir=cache_dir)
        self.sources.refresh()
        self.profiles = Profiles(cache_dir)
        self.routed = routed  # a larger collection opens only the indexes of the documents routed to
        self.building = Building()
        self._stop = threading.Event()
        self._builder: threading.Thread | None = None

    @property
    def members(self) -> list[Member]:
        return self.sources.members

    @property
    def skipped(self):
        return self.sources.skipped

    def names(self) -> list[str]:
        return [m.name for m in self.members]

    def ask(self, question: str, **options) -> Answer:
        answer = None
        for event in self.ask_stream(question, **options):
            answer = getattr(event, "answer", answer)
        if answer is None:  # ask_stream ends with Done or raises
            raise CollectionError("the answer ended without a result")
        return answer

    def ask_stream(self, question: str, *, history=None, only=None, strategy: str = "auto", max_new_tokens: int = 96):
        """Events as `Agent.ask_stream` yields them, the citations naming their documents.
        `only`: the names of the documents to read (the rest are left out)."""
        question = checked(question)
        start = time.perf_counter()
        members = self._chosen(self.sources.refresh(), only)
        past, steps = history_of(history), []
        if past.turns:
            backend = self.agent.backend
            question, how = standalone_question(question, past, backend, self.agent.reader_for(backend) == "generative")
            if how:
                steps.append(Step("standalone", time.perf_counter() - start, detail=f"{how}: {question}"))
                yield Progress("standalone", 1.0, question)
        information = request(question).information
        if self.building.running:
            yield Progress(
                "building",
                self.building.done / max(self.building.total, 1),
                f"{self.building.done} of {self.building.total} documents indexed",
            )
        # named anywhere in it: "... and how might they impact Apple?" is about Apple, though not searched
        # for; counted in every document's text, the documents about it join those routing opens (by its
        # words and the documents' names: "in the Q1 2023 10-Q") where it left them out
        about = about_the_names(question, [member.document.text for member in members])
        named = [members[k].document.id for k in about[0]] if about is not None else []
        by_id = {m.document.id: m for m in members}
        together = compares(question)
        # of those, the ones whose file name gives the quarter it names ("in the Q1 2023 10-Q"; a look-up
        # "in the latest report": the latest quarter), where any does
        candidates = [by_id[i] for i in named] if named else members
        dated = of_the_period(question, [m.names for m in candidates], latest=not together)
        if dated is not None:
            named = [candidates[k].document.id for k in dated]
        opened = yield from self._routed(members, information, start, steps)
        routed_ids = {member.document.id for member in opened}
        opened += [by_id[i] for i in named if i not in routed_ids][: self.routed]  # the most about it first
        opened_ids = {member.document.id for member in opened}
        indexed = []
        for n, member in enumerate(opened, start=1):
            yield Progress("documents", n / len(opened), member.name)
            index = member.index or self.agent.index_for(member.document)
            self.profiles.add_vectors(member.document, index)
            indexed.append((member, index))
        hits = search_together(indexed, information, TOP_HITS)
        ranked = list(dict.fromkeys(hit.member.document.id for hit in hits))
        if named:  # the documents about the subject it names, those ranking first first
            ranked = [i for i in ranked if i in named] + [i for i in named if i not in ranked and i in opened_ids]
        asked = [by_id[i] for i in ranked][: MAX_COMPARED if together else MAX_LOOKUP]
        steps.append(
            Step(
                "collection",
                time.perf_counter() - start,
                detail=f"{len(members)} documents, {len(asked)} asked "
                f"({'each, then together' if together else 'best first'})"
                + (f"; {len(about[0])} about {', '.join(about[1])}" if about is not None else "")
                + (f"; {len(dated)} of the quarter named" if dated is not None else ""),
            )
        )
        apart = together and tells_apart(question)
        answers: list[tuple[Member, Answer]] = []
        for member in asked:
            others = [m.document for m in asked if m.document.id != member.document.id] if apart else []
            answer = yield from self._asked(member, question, strategy, max_new_tokens, Echoes(others))
            answers.append((member, answer))
            if not together and answer.supported:
                break
        text, citations, supported = _together(question, answers) if together else _best(answers)
        trace = Trace(
            f"{len(members)} documents: "
            + ("each that holds a passage, then together" if together else "the best-ranked that says"),
            sum(a.trace.document_tokens for _, a in answers),
            answers[0][1].trace.window if answers else 0,
            steps + [s for _, a in answers for s in a.trace.steps],
            question,
        )
        yield Token(text)
        for citation in citations:
            yield CitationEvent(citation)
        strategy_used = (
            "collection:" + "+".join(dict.fromkeys(a.strategy for _, a in answers)) if answers else "collection"
        )
        yield Done(Answer(text, citations, strategy_used, trace, supported))

    def _routed(
        self, members: list[Member], information: str, start: float, steps: list
    ) -> Generator[Progress, None, list[Member]]:
        """The members whose indexes this question opens: all of a small collection, else the
        `routed` best by their profiles (computed once per document, kept on disk)."""
        if len(members) <= self.routed:
            return members
        for n, member in enumerate(members, start=1):
            if n % 10 == 0 or n == len(members):
                yield Progress("profiles", n / len(members), member.name)
            self.profiles.of(member.document)
        query_vector, embedder = None, resolve_embedder(self.agent.embedder)
        if embedder is not None and all(self.profiles.of(m.document).embedder == embedder.name for m in members):
            query_vector = embedder.encode([information])[0]
        chosen = route(
            [m.document for m in members],
            [m.names for m in members],
            self.profiles,
            information,
            self.routed,
            query_vector,
            embedder.name if embedder is not None else "",
        )
        steps.append(
            Step(
                "route",
                time.perf_counter() - start,
                detail=f"{len(chosen)} of {len(members)} documents "
                f"opened (whole texts, names{', vectors' if query_vector is not None else ''})",
            )
        )
        return [members[k] for k in chosen]

    def build(self, progress=None) -> Building:
        """Index every document (its dense part too), one at a time, so that routing reads them all.
        `progress(Building)` after each; `stop_building()` ends it between two documents."""
        members = self.sources.refresh()
        state = Building(0, len(members), running=True)
        for member in members:
            if self._stop.is_set():
                break
            state = replace(state, current=member.name)
            self._report(state, progress)
            try:
                index = (
                    member.index
                    or self.agent.index_of(member.document)
                    or DocumentIndex.build(
                        member.document, embedder=self.agent.embedder, cache_dir=self.agent.cache_dir
                    )
                )
                index.wait()
                self.profiles.add_vectors(member.document, index)
            except Exception as error:  # one document's failure does not stop the others
                state = replace(state, error=f"{member.name}: {type(error).__name__}: {error}")
            state = replace(state, done=state.done + 1)
        self._stop.clear()  # stopped: a later build starts again
        state = replace(state, current="", running=False)
        self._report(state, progress)
        return state

    def start_building(self, progress=None) -> threading.Thread:
        """`build` in a background thread (one at a time); `building` says how far it is."""
        if self._builder is None or not self._builder.is_alive():
            self._stop.clear()
            self.building = Building(0, len(self.members), running=True)
            # not a daemon: torch torn down mid-computation aborts the process; stop_building() ends it
            self._builder = threading.Thread(target=self.build, args=(progress,), name="longdoc-collection")
            self._builder.start()
        return self._builder

    def stop_building(self, timeout: float | None = None) -> None:
        """End the background build after the document it is indexing (from any thread, its own too)."""
        if self.building.running:
            self._stop.set()
        if self._builder is not None and self._builder is not threading.current_thread():
            self._builder.join(timeout)

    def _report(self, state: Building, progress) -> None:
        self.building = state
        if progress is not None:
            progress(state)

    def _chosen(self, members: list[Member], only) -> list[Member]:
        if not members:
            skipped = "; ".join(f"{s.name}: {s.error}" for s in self.skipped[:5])
            raise CollectionError("the collection has no readable document" + (f" ({skipped})" if skipped else ""))
        if only is None:
            return members
        wanted = [only] if isinstance(only, str) else list(only)
        chosen = [m for m in members if any(name in m.names or name == m.document.id for name in wanted)]
        unknown = [name for name in wanted if not any(name in m.names or name == m.document.id for m in members)]
        if unknown:
            raise CollectionError(
                f"no document {unknown[0]!r} in the collection; it holds: {', '.join(self.names()[:10])}"
            )
        return chosen

    def _asked(self, member: Member, question: str, strategy: str, max_new_tokens: int, repeated: Echoes):
        """One document's answer; its progress relayed under its name, its tokens kept for the whole."""
        answer = None
        for event in self.agent.ask_stream(
            member.index or self.agent.index_for(member.document),
            question,
            strategy=strategy,
            max_new_tokens=max_new_tokens,
            repeated=repeated,
        ):
            if isinstance(event, Progress):
                yield Progress(
                    event.stage, event.fraction, f"{member.name}: {event.detail}" if event.detail else member.name
                )
            elif isinstance(event, Done):
                answer = event.answer
        return answer


def _cited(member: Member, citations) -> list:
    return [replace(c, document=member.name) for c in citations]


def _best(answers) -> tuple[str, list, bool]:
    """A look-up: the first document's answer that the document supports."""
    for member, answer in answers:
        if answer.supported:
            return f"{answer.text}\n\n(from {member.name})", _cited(member, answer.citations), True
    return NOT_IN_DOCUMENTS, [], False


def _together(question: str, answers) -> tuple[str, list, bool]:
    """Each document's answer under its name, citations kept; a comparison's extreme first. All of
    it: a table row's answer is its header, then the row."""
    said = [(member, answer) for member, answer in answers if answer.supported]
    if not said:
        return NOT_IN_DOCUMENTS, [], False
    lines = [f"- {member.name}: " + "\n  ".join(_lines(answer.text)) for member, answer in said]
    lead = _extreme(question, said)
    text = "\n".join(([lead] if lead else []) + lines)
    return text, [c for member, answer in said for c in _cited(member, answer.citations)], True


def _extreme(question: str, said) -> str:
    """ "Highest: <document> (<value>)" when the question asks which holds the higher or lower
    one and every answer leads with a number (a year is a period, not a value)."""
    asked = WHICH.search(question)
    direction = (
        0 if asked is None else 1 if HIGHEST.search(asked.group()) else -1 if LOWEST.search(asked.group()) else 0
    )
    if not direction or len(said) < 2:
        return ""
    values = []
    for member, answer in said:
        line = _first_line(answer.text)
        token = next(
            (
                m.group()
                for pattern in (NUMBER, PLAIN_NUMBER)
                for m in pattern.finditer(line)
                if not YEAR.fullmatch(m.group())
            ),
            None,
        )
        if token is None:
            return ""
        values.append((notation_of(answer.text).value(token), member.name, token))
    value, name, token = (max if direction > 0 else min)(values)
    return f"{'Highest' if direction > 0 else 'Lowest'}: {name} ({token})"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _first_line(text: str) -> str:
    return next(iter(_lines(text)), "")
