"""`parallel`: read every part of the document, for questions about every mention.

With an extractive reader (small models), every sentence of the document is read without the
model: those about what the question asks (holding its most specific terms) are ranked and the
best `MOST_MENTIONS` quoted, in document order, each cited.

With a generative reader, as Qwen-Agent's parallel reader does: consecutive chunks are grouped
into parts of about `part_tokens`; the model gives each part a one-line JSON verdict (at most
VERDICT_TOKENS tokens), `job.concurrency` parts at a time. A verdict's quote counts only if it
occurs in that part. The answer is then written from the original text, never from the verdicts
(small readers get them wrong): the chunks of the useful parts (those with a verified quote;
else those judged relevant, unless that is most of them) ranked by BM25 on the question plus the
verified quotes, with their neighbours while the budget lasts.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass

from . import evidence, rag
from .backends import complete_all
from .citations import find_quote
from .events import Citation, Progress
from .job import TAG_TOKENS, Job, Situation, Strategy, as_passage, consecutive_groups, fit_budget
from .prompts import verdict_messages
from .writer import done, quote, write

# Questions over every mention: retrieval's top chunks can miss some, reading every part does not.
LISTING_CUE = re.compile(
    r"\b(list (?:all|every|each|the)|enumerate|how many times|every (?:\w+ )?(?:mentioned|named|listed)"
    r"|all (?:the |of the )?\w+ (?:mentioned|named|listed|that|which|who)|alle \w+, die|liste)\b|列出|所有",
    re.I,
)
VERDICT_TOKENS = 64
PART_TOKENS = 1000


@dataclass(frozen=True)
class Verdict:
    relevant: bool
    quote: Citation | None  # verified in the part
    readable: bool  # False: the reply was not the JSON asked for (then judged by its first word)


def parse_verdict(reply: str) -> tuple[bool, str, bool]:
    """(relevant, quote, readable) from a reply that should be one line of JSON. Tolerates code
    fences, text around the object and a truncated quote; anything else reads as a plain yes/no."""
    match = re.search(r"\{.*\}", reply, re.S)
    if match:
        try:
            value = json.loads(match.group(0))
            if isinstance(value, dict) and "relevant" in value:
                relevant = value["relevant"]
                relevant = relevant if isinstance(relevant, bool) else str(relevant).strip().lower() in ("true", "yes")
                return relevant, str(value.get("quote") or ""), True
        except ValueError:
            pass
    flag = re.search(r'"relevant"\s*:\s*"?(true|false|yes|no)', reply, re.I)
    if flag:  # cut off inside the quote: take what arrived
        quote = re.search(r'"quote"\s*:\s*"((?:[^"\\]|\\.)*)', reply)
        return flag.group(1).lower() in ("true", "yes"), quote.group(1) if quote else "", True
    return bool(re.match(r"\W*(yes|true|relevant)\b", reply, re.I)), "", False


MOST_MENTIONS = 12


def answer(job: Job, part_tokens: int = PART_TOKENS):
    if job.reader == "extractive":
        yield from mentions(job)
    else:
        yield from verdicts(job, part_tokens)


def mentions(job: Job):
    """Every sentence of the document about the question, the best MOST_MENTIONS quoted."""
    start = time.perf_counter()
    index = job.index()
    about = evidence.about(index, job.question)
    sentences = [s for s in evidence.sentences_of(index.chunks, job.document) if about(s.text)]
    ranked = evidence.rank(index, job.question, sentences, job.repeated)[:MOST_MENTIONS]
    chosen = sorted((s for s, _ in ranked), key=lambda s: s.char_start)
    job.step("read", start, detail=f"{len(index.chunks)} chunks read, {len(sentences)} sentences about the question")
    yield Progress("read", 1.0, f"{len(sentences)} sentences about the question")
    yield from quote(job, "parallel", chosen)


def verdicts(job: Job, part_tokens: int):
    index = job.index()
    start = time.perf_counter()
    parts = consecutive_groups(index.chunks, part_tokens, lambda c: c.n_tokens)
    part_passages = [[as_passage(c) for c in part] for part in parts]
    requests = [verdict_messages(passages, job.question) for passages in part_passages]
    verdicts: list[Verdict] = [None] * len(parts)  # type: ignore[list-item]  # each set below
    yield Progress("read", 0.0, f"0/{len(parts)} parts")
    for finished, (n, reply) in enumerate(
        complete_all(job.backend, requests, VERDICT_TOKENS, job.concurrency), start=1
    ):
        relevant, quote, readable = parse_verdict(reply)
        cited = find_quote(job.document, part_passages[n], quote) if quote.strip() else None
        verdicts[n] = Verdict(relevant or cited is not None, cited, readable)
        yield Progress("read", finished / len(parts), f"{finished}/{len(parts)} parts")
    quoted_parts = [n for n, v in enumerate(verdicts) if v.quote]
    claimed = [n for n, v in enumerate(verdicts) if v.relevant]
    # A reader that calls most parts relevant without a verified quote tells nothing (small
    # models echo the JSON template); then retrieval ranks the chunks, as it would anyway.
    useful = quoted_parts or (claimed if len(claimed) <= len(parts) // 2 else [])
    quotes = [verdicts[n].quote.quote for n in quoted_parts]  # type: ignore[union-attr]
    job.step(
        "read",
        start,
        sum(job.backend.prompt_tokens(r) for r in requests),
        detail=f"{len(parts)} parts of <= {part_tokens} tokens, {len(claimed)} judged useful, "
        f"{len(quotes)} with a verified quote, {sum(not v.readable for v in verdicts)} unreadable verdicts",
    )
    if not useful:
        job.trace.steps[-1].detail += "; no informative verdict: answer from retrieval"
        yield from rag.answer(job)
        return

    start = time.perf_counter()
    scores = index.bm25_chunk_scores(" ".join([job.asked.information, *quotes]))
    quoted = {
        c.index
        for n in quoted_parts
        for c in parts[n]
        if c.char_start <= verdicts[n].quote.char_start < c.char_end  # type: ignore[union-attr]
    }
    candidates = [c for n in useful for c in parts[n]]
    ranked = sorted(candidates, key=lambda c: (c.index not in quoted, -scores[c.index], c.index))
    chosen = fit_budget(ranked, job.budget, job.backend.count_tokens)
    chosen = _with_neighbours(index.chunks, chosen, job.budget, job.backend.count_tokens)
    job.step("select", start, detail=f"{len(chosen)} chunks of the useful parts, ranked by the question and the quotes")
    text, citations = yield from write(job, sorted(map(as_passage, chosen), key=lambda p: p.char_start))
    yield done(job, "parallel", text, citations)


def _with_neighbours(chunks, chosen, budget: int, count_tokens) -> list:
    """`chosen` plus the chunks next to them (the text around a useful chunk) while they fit."""
    used = sum(count_tokens(c.text) + TAG_TOKENS for c in chosen)
    taken = {c.index for c in chosen}
    result = list(chosen)
    for chunk in chosen:
        for n in (chunk.index - 1, chunk.index + 1):
            if 0 <= n < len(chunks) and n not in taken:
                cost = count_tokens(chunks[n].text) + TAG_TOKENS
                if used + cost <= budget:
                    result.append(chunks[n])
                    taken.add(n)
                    used += cost
    return result


def routes(s: Situation) -> str | None:
    if LISTING_CUE.search(s.question) and s.document_tokens <= s.read_limit:
        return f"{s.not_whole}, and the question asks for every mention: read every part ({s.read_limit:,}-token limit)"
    return None


def declines(s: Situation) -> str:
    if LISTING_CUE.search(s.question):  # and routes passed it over: too long to read every part
        return f"; a listing question, but reading every part is over the {s.read_limit:,}-token limit"
    return ""


STRATEGY = Strategy("parallel", "read every part", answer, routes, declines)
