"""What a question names that the document never does: then no passage can answer it.

A question about "Apple Inc." asked of another company's report, or about "March 31, 2017" asked
of a 2007 report, has no answer there, though sentences sharing its other words abound (the
extractive reader would quote the nearest). The names checked are the specific ones: words
written with a capital inside the question (not its first word; acronyms and hyphenated words
aside, which are as often a measure as a name: "EBITDA", "After-tax"), and the years it names. A
name counts as present when the document holds it from one word boundary to another, spaces and
punctuation inside ignored ("Bestbuy" in "Best Buy"), or, for a word of six letters or more, a
word spelled within one edit of it (two from eight letters): questions carry typos ("Neflix",
"Activsion").
"""

from __future__ import annotations

import re

from .cells import asked_years
from .evidence import _cached
from .question import MONTHS

WORD = re.compile(r"[^\W_][\w'’&.-]*[^\W_]|[^\W_]", re.UNICODE)
QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how is are was were do does did can could should would will the a an in "
    "of for to and or if i me my we our you your please tell give list name according based".split()
)
# Languages that capitalize every noun: there a capital says nothing of a name (German questions
# are told by their function words).
NOUNS_CAPITALIZED = re.compile(
    r"\b(?:der|die|das|den|dem|des|und|ist|sind|wurde|wurden|wie|welche[rnms]?|nicht|ein|eine[rnms]?|"
    r"im|vom|zum|zur|mit|auf|für|von|gibt|hat|haben|kann|werden)\b",
    re.I,
)
MOST_NAMES = 8  # names checked a question: a question of a thousand capitals costs eight scans
CALENDAR = re.compile(rf"(?:{MONTHS}|mon|tues|wednes|thurs|fri|satur|sun)(?:day)?", re.I)  # capitalized, no names
FUZZY_FROM = 6  # letters: shorter names must be spelled as the document spells them ("Apple" is not "apply")


def _words(document) -> dict[str, set[str]]:
    """The document's distinct words of FUZZY_FROM letters or more, by first letter."""

    def make():
        words: dict[str, set[str]] = {}
        for word in set(re.findall(r"[^\W\d_]{%d,}" % FUZZY_FROM, document.text.casefold())):
            words.setdefault(word[0], set()).add(word)
        return words

    return _cached(f"{document.id}|words", make)


def names(question: str) -> list[str]:
    """The names of `question`: words capitalized inside a sentence (not opening one), not all
    capitals, not hyphenated (none in a language that capitalizes its nouns)."""
    if len(NOUNS_CAPITALIZED.findall(question)) >= 2:
        return []
    found = []
    previous = None
    for match in WORD.finditer(question):
        between = question[previous.end() : match.start()] if previous else ""
        opens = previous is None or any(c in ".?!:;…。？！" for c in between) or previous.group()[-1] in ".?!"
        previous = match
        word = re.sub(r"['’]s$", "", match.group()).strip("'’.&")  # "Japan's": Japan
        if (
            not opens
            and word[:1].isupper()
            and word.isalpha()
            and not word.isupper()
            and word.casefold() not in QUESTION_WORDS
            and not CALENDAR.fullmatch(word)
        ):
            found.append(word)
    return found


def mentions(text: str, name: str) -> bool:
    """Whether `text` holds `name` between word boundaries, ignoring case, spaces and punctuation inside it."""
    letters = [re.escape(c) for c in name if c.isalnum()]
    return bool(letters) and re.search(r"(?<!\w)" + r"\W*".join(letters) + r"(?!\w)", text, re.I) is not None


def absent(question: str, document) -> list[str]:
    """The names and years `question` gives that `document` never mentions."""
    missing = [year for year in sorted(asked_years(question))[:MOST_NAMES] if not mentions(document.text, year)]
    for name in list(dict.fromkeys(names(question)))[:MOST_NAMES]:  # each is a scan of the document
        if not mentions(document.text, name) and not _spelled_alike(name.casefold(), _words(document)):
            missing.append(name)
    return missing


def _spelled_alike(word: str, words: dict[str, set[str]]) -> bool:
    if len(word) < FUZZY_FROM or not word.isalpha():
        return False
    most = 1 if len(word) < 8 else 2
    return any(abs(len(other) - len(word)) <= most and _within(word, other, most) for other in words.get(word[0], ()))


def _within(a: str, b: str, most: int) -> bool:
    """Whether the edit distance of `a` and `b` (transpositions count one) is at most `most`."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > most:
            return False
        previous2, previous = previous, current
    return previous[-1] <= most
