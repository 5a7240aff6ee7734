"""`multihop`: follow a chain through the document, one hop at a time.

Hop 1 ranks the sentences of the retrieved chunks for the question (evidence.py) and takes the
best as its finding (for a question asking who, the best naming someone, as rag does). What a
finding adds to the question (its rarest terms: a name, a code) is the next hop's thread: the
next finding is the best sentence that mentions it, outside the findings so far, and is not a
look-alike of an earlier finding (the same statement about another thing). Stop rule: no
sentence mentions the thread, a finding adds nothing specific, or `max_hops`. A chain is sound
only when its first finding is about what the question asks (one that starts from a look-alike,
the Oslo courier asked about Madrid's, answers nothing), and, for a question asking for a number
or a date, when one of its findings holds one.

The answer: with an extractive reader, the chain's sentences themselves; with a generative one,
the model writes from them, and an answer that stops before what the last finding adds is
replaced by the chain's sentences.
"""

from __future__ import annotations

import re
import time
from collections.abc import Set

from retrieval.analysis import terms
from retrieval.sentences import readable

from . import cells, evidence
from .events import Progress
from .evidence import with_context
from .job import Job, Situation, Strategy
from .question import value_kind
from .writer import done, quote, write

MAX_HOPS = 3
# Questions that name a thing through another one ("the X of the Y that ..."): follow the chain.
CHAIN_CUE = re.compile(r"\b(?:whose|of the \w+(?: \w+)? (?:who|that|which|where))\b", re.I)


def answer(job: Job, max_hops: int = MAX_HOPS):
    index, asked = job.index(), job.asked.information  # how to answer and where to look are no hop's terms
    known = set(terms(asked))
    findings: list = []
    follow: set[str] = set()
    stop = f"hop limit ({max_hops})"
    for hop in range(1, max_hops + 1):
        start = time.perf_counter()
        query = asked + (f" {findings[-1].text}" if findings else "")
        sentences = evidence.sentences_of(index.search(query, k=12), job.document)
        if findings:  # the chain goes on through sentences that mention what the last finding added
            sentences = [
                s
                for s in sentences
                if follow & set(terms(s.text))
                and not any(f.char_start <= s.char_start < f.char_end for f in findings)
                and not any(look_alike(index, s.text, f.text, follow) for f in findings)
            ]
        ranked = evidence.rank(index, f"{asked} {' '.join(sorted(follow))}", sentences, job.repeated)
        if not ranked or not evidence.shares_a_term(index, asked if not findings else " ".join(follow), ranked):
            stop = (
                "no sentence mentions what the last finding adds"
                if findings
                else "nothing in the document bears on the question"
            )
            break
        if not findings:  # the first finding as rag would take it (a who question's: naming someone)
            ranked = evidence.naming_someone(job, asked, ranked)
        finding = ranked[0][0]
        yield Progress("hop", hop / max_hops, f"hop {hop}: {readable(finding.text)[:160]}")
        job.step(f"hop {hop}", start, detail=readable(finding.text)[:200])
        findings.append(finding)
        new = set(terms(finding.text)) - known
        known = known | new
        follow = rarest_terms(index, new)
        if not follow:
            stop = f"hop {hop}'s finding adds nothing specific to follow"
            break
    job.step("stop", time.perf_counter(), detail=stop)
    yield Progress("hop", 1.0, f"stopped: {stop}")
    kind = value_kind(job.question)  # a question asking for a number or a date: some finding must hold one
    sound = (
        bool(findings)
        and evidence.about(index, job.question)(findings[0].text)
        and (kind is None or any(kind.search(f.text) for f in findings))
    )
    chain = findings if sound else []
    if chain and job.reader != "extractive":
        text, written = yield from write(job, with_context(job, chain))
        if follow & set(terms(text)) or len(chain) == 1:
            yield done(job, "multihop", text, written)
            return
        job.trace.strategy_reason += (
            "; the written answer stops before the chain's end: the answer is the chain's sentences"
        )
        yield Progress(
            "strategy", 1.0, "the written answer stops before the chain's end: the answer is the chain's sentences"
        )
    chain, lead = cells.picked(job.asked.information, chain)
    yield from quote(job, "multihop", chain, separator=" ", lead=lead)


def rare_terms(index, candidates: set[str]) -> set[str]:
    """The specific ones (a name, a code): in few snippets of the document, unlike common words."""
    rare = max(5, len(index.snippet_chunk) // 500)
    return {t for t in candidates if index.bm25.document_frequency(t) <= rare}


def rarest_terms(index, candidates: set[str]) -> set[str]:
    """The rarest of the specific ones: what the next link must name. A courier's name, or a
    code that only its own sentence holds (then the chain ends); not "shut" or "stew", rare
    words too, but shared by every look-alike fact ("... keeps a locker shut with ...")."""
    frequency = {t: index.bm25.document_frequency(t) for t in rare_terms(index, candidates)}
    return {t for t, n in frequency.items() if n == min(frequency.values())}


def look_alike(index, sentence: str, finding: str, follow: Set[str] = frozenset()) -> bool:
    """Whether `sentence` says what `finding` says, of another thing: at least half its terms,
    besides the thread it is followed by (`follow`), are the finding's, and it holds a specific
    term (rare in the document) the finding does not. "The bells of Dorgriso cathedral were cast
    from zinc" after Apvenbel's is one; a next link ("Bob Jones reports to Carol White" after
    "Alice Smith reports to Bob Jones") shares little but the thread."""
    words, said = set(terms(sentence)) - follow, set(terms(finding))
    other = bool(rare_terms(index, words - said))
    return other and 2 * len(words & said) >= len(words)


def chain_continues(job: Job, citations: list) -> str | None:
    """Why an answer may be only the first link of a chain, or None: its cited sentences leave
    part of the question uncovered, and another sentence mentions both a specific thing they add
    (a name) and that uncovered part."""
    index = job.index()
    asked = set(terms(job.asked.information))  # how to answer and where to look are no link
    cited = set().union(*(terms(c.quote) for c in citations))
    for c in citations:  # a table row is covered by its header too: "2017" heads its column
        cited |= {
            t
            for s in evidence.page_sentences(job.document, c.page)
            if s.char_start == c.char_start
            for t in terms(s.header)
        }
    uncovered, added = asked - cited, rare_terms(index, cited - asked)
    if not uncovered or not added:
        return None
    query = f"{job.asked.information} {' '.join(c.quote for c in citations)}"
    for sentence in evidence.sentences_of(index.search(query, k=10), job.document):
        if any(c.char_start <= sentence.char_start < c.char_end for c in citations):
            continue
        found = set(terms(sentence.text))
        if found & added and found & uncovered:
            return "the cited sentence names something that another sentence links to the rest of the question"
    return None


def routes(s: Situation) -> str | None:
    if CHAIN_CUE.search(s.question):
        return f"{s.not_whole}, and the question names one thing through another: follow the chain"
    return None


def follows(job: Job, first) -> str | None:
    """Why a chain should be followed after `first` (rag's answer), or None: it stands."""
    if not first.supported:
        return "the retrieved sentences did not support an answer"
    return chain_continues(job, first.citations)


STRATEGY = Strategy("multihop", "follow a chain", answer, routes, follows=follows, after=("rag",))
