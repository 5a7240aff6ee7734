"""Scoring a reply against a question: normalised matching, citations on the right page."""

from __future__ import annotations

import re
import unicodedata

DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
DIGIT_GROUPS = re.compile(r"(?<=\d)[,\u202f\u00a0 ](?=\d{3}\b)")
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "", "_": " ", "*": ""})
REFUSAL = re.compile(
    r"\bnot (?:be )?found\b|\bno (?:information|answer|mention|passage)\b|\bdoes not (?:say|mention|contain|answer)\b"
    r"|\bnot (?:stated|mentioned|given|specified)\b|\bcannot (?:be )?(?:find|found|answer)",
    re.I,
)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(QUOTES)
    text = DIGIT_GROUPS.sub("", DASHES.sub("-", text))
    return " ".join(text.casefold().split())


def contains(reply: str, answer: str) -> bool:
    """`answer` in `reply`, normalised; alphanumeric answers must not be part of a longer word or number."""
    r, a = normalise(reply), normalise(answer)
    pattern = (r"(?<![\w.])" if a[:1].isalnum() else "") + re.escape(a) + (r"(?![\w])" if a[-1:].isalnum() else "")
    return re.search(pattern, r) is not None


def right(question, text: str) -> bool:
    """Whether the reply holds the answer (for unanswerable questions: says it is not there)."""
    if not question.answerable:
        return bool(REFUSAL.search(text)) and not re.search(
            r"\d{2,}", text.split(".")[0] if REFUSAL.search(text) else text
        )
    hits = [contains(text, a) for a in question.answers]
    if question.match == "all":
        return all(hits)
    if question.match == "keywords":
        return sum(hits) >= 3
    return any(hits)


def repeats(text: str) -> bool:
    sentences = [normalise(s) for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.strip()) > 20]
    return len(sentences) != len(set(sentences))


def precise(question, document, citation) -> bool:
    """A citation is precise when its page holds the answer (and, in a single-page text file,
    when it lies within a few hundred characters of the answering sentence)."""
    if citation.page not in question.pages:
        return False
    if not question.evidence:
        return True
    at = normalise(document.text).find(normalise(question.evidence))
    spot = document.text.find(question.evidence)
    return spot < 0 and at < 0 or spot >= 0 and citation.char_start - 600 <= spot <= citation.char_end + 600
