"""`multihop`: follow a chain through the document, one hop at a time.

Hop 1 retrieves chunks for the question; the model copies the sentence that helps most: the
hop's finding, kept only if it is verified in those chunks and bears on the hop (else the
sentence that bears on it most). What a finding adds to the question (a name, a code) is the
next hop's sub-question: chunks that mention it, outside the findings so far, even if an
earlier hop read them. Stop rule: a hop with no finding, a finding that adds nothing new, or no
chunk mentioning what it adds (its rarest terms); at most `max_hops` hops. The answer is then
written from the findings with a sentence of context either side, in hop order. A small reader
often answers with the first link ("the courier is Monfen Venmonrin"): an answer that lacks
what the last finding adds (the code) is replaced by the chain's sentences themselves.
"""
from __future__ import annotations

import time

from retrieval.analysis import terms

from .backends import complete
from .citations import find_quote, key_words, locate, sentence_spans, supporting_citations
from .events import Citation, Progress
from .prompts import finding_messages
from .strategies import Job, Passage, Reading, fit_budget, hit_passage, naming_first, search_query, sentences_around

MAX_HOPS = 3
FINDING_TOKENS = 64  # one copied sentence


def multihop(job: Job, max_hops: int = MAX_HOPS):
    index = job.index()
    count = job.backend.count_tokens
    # a hop reads less than the answer may (findings are single sentences), but a chunk at least
    hop_budget = max(job.budget // 2, min(job.budget, 512))
    asked = known = set(terms(job.question))
    first_hop, held, findings = [], [], []  # hop 1's passages; passages holding a finding; the findings
    query, follow, stop = search_query(job.question), set(), f"hop limit ({max_hops})"
    for hop in range(1, max_hops + 1):
        start = time.perf_counter()
        hits = index.search(query, k=30)
        if findings:  # the chain goes on through chunks that mention what the last finding added
            hits = [h for h in hits if follow & set(terms(_outside(h, findings)))]
        else:
            hits = naming_first(hits, job.names)
        hits = fit_budget(hits, hop_budget, count)
        if not hits:
            stop = f'no passage mentions what "{findings[-1].quote}" adds' if findings else "retrieval found nothing"
            break
        passages = sorted(map(hit_passage, hits), key=lambda p: p.char_start)
        first_hop = first_hop or passages
        sub_question = job.question if hop == 1 else f'{job.question} (following "{findings[-1].quote}")'
        yield Progress("hop", (hop - 1) / max_hops, f"hop {hop}: {sub_question}")
        messages = finding_messages(passages, job.question)
        reply = complete(job.backend, messages, FINDING_TOKENS)
        finding = _finding(job, passages, reply, asked, follow, findings)
        job.step(f"hop {hop}", start, job.backend.prompt_tokens(messages), count(reply),
                 detail=f"{sub_question} -> {finding.quote if finding else 'no finding'}")
        if finding is None:
            stop = f"hop {hop} found nothing that bears on the question"
            break
        findings.append(finding)
        held.append(next(p for p in passages if p.char_start <= finding.char_start < p.char_end))
        new = set(terms(finding.quote)) - known
        known = known | new
        follow = rarest_terms(index, new)
        if not follow:
            stop = f"hop {hop}'s finding adds nothing specific to follow"
            break
        query = f"{search_query(job.question)} {finding.quote}"
    job.step("stop", time.perf_counter(), detail=stop)
    yield Progress("hop", 1.0, f"stopped: {stop}")
    # the answer reads the chain of evidence: each finding with a sentence either side, in hop order
    passages = [_around(p, f) for p, f in zip(held, findings)] or first_hop
    # a chain is sound when its first link names what the question names (Job.names); one that
    # starts from a look-alike (the Oslo courier, asked about Madrid's) answers nothing
    sound = bool(findings and job.names & set(terms(findings[0].quote)))
    return Reading(fit_budget(list(dict.fromkeys(passages)), job.budget, count),
                   chain=findings if sound else [], chain_end=frozenset(follow if sound else ()))


def _around(passage: Passage, finding: Citation, context: int = 1) -> Passage:
    """The part of `passage` from `context` sentences before the finding to `context` after."""
    spans = list(sentence_spans(passage.text))
    at = next(i for i, (a, b) in enumerate(spans) if passage.char_start + b > finding.char_start)
    return sentences_around(passage, spans, at, context)


def rare_terms(index, candidates: set[str]) -> set[str]:
    """The specific ones (a name, a code): in few windows of the document, unlike common words."""
    rare = max(5, len(index.window_chunk) // 500)
    return {t for t in candidates if index.bm25.document_frequency(t) <= rare}


def rarest_terms(index, candidates: set[str]) -> set[str]:
    """The rarest of the specific ones: what the next link must name. A courier's name, or a
    code that only its own sentence holds (then the chain ends); not "shut" or "stew", rare
    words too, but shared by every look-alike fact ("... keeps a locker shut with ...")."""
    frequency = {t: index.bm25.document_frequency(t) for t in rare_terms(index, candidates)}
    return {t for t, n in frequency.items() if n == min(frequency.values())}


def chain_continues(job: Job, citations: list[Citation]) -> str | None:
    """Why a supported answer may be only the first link of a chain, or None: its cited
    sentences leave part of the question uncovered, and another passage mentions both a
    specific thing they add (a name) and that uncovered part."""
    index = job.index()
    asked = set(terms(job.question))
    cited = set().union(*(terms(c.quote) for c in citations))
    uncovered, added = asked - cited, rare_terms(index, cited - asked)
    if not uncovered or not added:
        return None
    for hit in index.search(f"{search_query(job.question)} {' '.join(c.quote for c in citations)}", k=10):
        found = set(terms(_outside(hit, citations)))
        if found & added and found & uncovered:
            return "the cited passage names something that another passage links to the rest of the question"
    return None


def look_alike(sentence: str, finding: str, follow: set[str] = frozenset()) -> bool:
    """Whether `sentence` says what `finding` says, of another name: "The bells of Dorgriso
    cathedral were cast from zinc" after Apvenbel's: at least half its words, besides those of
    the link it is followed by (`follow`), are the finding's, and it names another thing.
    A next link ("Bob Jones reports to Carol White" after "Alice Smith reports to Bob Jones")
    shares little but the link; "the key to box 2 is in box 3" names no other thing."""
    words, said = set(terms(sentence)) - follow, set(terms(finding))
    other = any(w[:1].isupper() and not set(terms(w)) <= said for w in key_words(sentence))
    return other and 2 * len(words & said) >= len(words)


def _outside(hit, findings: list[Citation]) -> str:
    """The hit's text without the findings so far (they mention what they add, trivially)."""
    text = hit.text
    for f in findings:
        a, b = f.char_start - hit.char_start, f.char_end - hit.char_start
        if 0 <= a < len(text):
            text = text[:a] + " " * (min(b, len(text)) - a) + text[b:]
    return text


def _finding(job: Job, passages, reply: str, asked: set[str], follow: set[str], findings: list[Citation]) -> Citation | None:
    """The hop's finding, verified in `passages` and new: the model's sentence (or the one
    carrying its content) when it bears on the hop at least half as much as the best sentence
    does; else that best sentence. A sentence bears on the hop by the terms it shares with the
    question, those of what the hop follows counting twice. Small readers often copy an
    unrelated line; earlier findings are not found again, nor their look-alikes."""
    def bearing(text: str) -> int:
        found = set(terms(text))
        return len(found & asked) + 2 * len(found & follow)

    def new(start: int, text: str) -> bool:
        return (all(not f.char_start <= start < f.char_end for f in findings)
                and not any(look_alike(text, f.quote, follow) for f in findings))

    # the hop's names: what it follows, or on hop 1 the question's own (Job.names); a sentence
    # naming another branch or courier is a look-alike, not the finding
    required = follow or job.names
    sentences = [(p, p.text[a:b]) for p in passages for a, b in sentence_spans(p.text)
                 if new(p.char_start + a, p.text[a:b])]
    named = [(p, text) for p, text in sentences if required & set(terms(text))]
    best = max(((bearing(text), p, text) for p, text in named or sentences), key=lambda s: s[0], default=(0, None, ""))
    if best[0] == 0:
        return None
    chosen = find_quote(job.document, passages, reply) or next(
        iter(supporting_citations(job.document, passages, job.question, reply, limit=1)), None)
    if (chosen is not None and new(chosen.char_start, chosen.quote) and 2 * bearing(chosen.quote) >= best[0]
            and (not named or required & set(terms(chosen.quote)))):
        return chosen
    return locate(job.document, best[1].page, best[2], (best[1].char_start, best[1].char_end))
